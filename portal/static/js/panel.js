// The "Add client" panel: a modal <dialog> over the Clients page (the browser keeps focus
// inside it and gives it a backdrop). It has its own history entry, so Back closes it; Esc
// closes it and gives focus back to the control that opened it. In its search box, ↓ and ↑
// move through the rows (aria-activedescendant) and Enter imports or opens the chosen row.
// A row's action is a label, not a control (an option holds none): Enter or a click on it
// acts. Tab stays inside the panel at both ends; Alt+I opens it from anywhere on the Clients
// page. Server-rendered by htmx; no inline scripts, no eval.
(function () {
  "use strict";

  const state = {
    opener: null, // where focus goes back to on closing
    pushed: false, // the panel's history entry was added by this page: Esc goes back over it
    push: false, // the next panel swap is an opening from the menu: add its history entry
    backing: false, // this page called history.back() after closing: nothing more to do
    closingByHistory: false,
    moveOnLoad: false, // ↓ was pressed on the last row while the next rows were loading
    keep: null, // the id of the row to keep chosen when the same search is redrawn
  };

  function dialog() { return document.getElementById("add-client"); }
  function search() { return document.querySelector("#add-client [data-panel-search]"); }
  function list() { return document.getElementById("panel-list"); }
  function options() { return list() ? Array.from(list().querySelectorAll('[role="option"]')) : []; }
  function active() { return list() && list().querySelector('[role="option"][aria-selected="true"]'); }

  // The menu button whose menu holds the panel's item: where focus returns after closing.
  function menuButton() {
    const item = document.querySelector("[data-opens-panel]");
    const menu = item && item.closest('[role="menu"]');
    return menu && document.querySelector('[aria-controls="' + menu.id + '"]');
  }

  function openerOf(element) {
    if (!element || element === document.body || element.closest('[role="menu"]')) return menuButton();
    return element;
  }

  // --- Opening and closing --------------------------------------------------------------
  function show() {
    const panel = dialog();
    if (!panel.open) panel.showModal();
  }

  function focusSearch() {
    const box = search();
    if (box) {
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    } else {
      const close = document.querySelector("#add-client [data-panel-close]");
      if (close) close.focus();
    }
  }

  function closed() {
    const panel = dialog();
    document.getElementById("add-client-body").replaceChildren(); // stops its polling too
    if (!state.closingByHistory) {
      if (state.pushed) {
        state.backing = true;
        history.back();
      } else {
        history.replaceState({ htmx: true }, "", panel.dataset.returnUrl);
      }
    }
    state.pushed = state.closingByHistory = false;
    const opener = state.opener && document.contains(state.opener) ? state.opener : menuButton();
    if (opener) opener.focus();
  }

  function panelUrl() {
    const form = document.getElementById("panel-form");
    if (!form) return location.href;
    const params = new URLSearchParams();
    const box = search();
    if (box.value) params.set("q", box.value);
    if (document.getElementById("panel-archived").checked) params.set("archived", "1");
    const linking = document.getElementById("panel-link");
    if (linking) params.set("link", linking.value);
    const query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    const item = event.detail.elt.closest && event.detail.elt.closest("[data-opens-panel]");
    if (!item) return;
    state.opener = openerOf(document.activeElement);
    state.push = true;
  });

  window.addEventListener("popstate", function (event) {
    const panel = dialog();
    if (!panel) return;
    const here = event.state || {};
    if (state.backing) {
      // Our own step back after Esc: the page under the panel is already the right one.
      state.backing = false;
      event.stopImmediatePropagation();
    } else if (panel.open && !here.portalPanel) {
      state.closingByHistory = true;
      panel.close();
      event.stopImmediatePropagation();
    } else if (!panel.open && here.portalPanel && window.htmx) {
      state.opener = menuButton();
      state.pushed = true;
      event.stopImmediatePropagation();
      htmx.ajax("GET", location.href, { target: "#add-client-body", swap: "innerHTML" });
    }
  });

  // --- Swaps: the panel, its rows, the import form in place of the list ---------------
  document.addEventListener("htmx:beforeSwap", function (event) {
    // An answer to a search the user has since changed never replaces the newer one.
    const echo = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Panel-Query");
    const target = event.detail.target;
    if (echo === null || !target || !target.closest("#panel-results") || !search()) return;
    const asked = new URLSearchParams(echo);
    const archived = document.getElementById("panel-archived").checked;
    if (asked.get("q") !== search().value || (asked.get("archived") === "1") !== archived) {
      event.detail.shouldSwap = false;
      return;
    }
    // A key typed lets go of the chosen row (see "input" below), so a row still chosen now
    // was chosen with ↓/↑ since the last key: among the answer to an earlier key, or to
    // this search before XPM redrew it. It stays chosen if the answer still lists it, and
    // Enter acts on what the user saw chosen. Otherwise the search starts from the top.
    const chosen = active();
    state.keep = target.id === "panel-results" && chosen ? chosen.id : null;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    if (target.id === "add-client-body") {
      const opening = !dialog().open;
      show();
      focusSearch();
      if (opening && state.push) {
        history.pushState({ portalPanel: true }, "", panelUrl());
        state.pushed = true;
      }
      state.push = false;
    } else if (target.id === "panel-results") {
      const kept = state.keep && document.getElementById(state.keep);
      if (kept) {
        choose(kept);
      } else {
        if (list()) list().scrollTop = 0;
        choose(null);
      }
      announce();
      history.replaceState({ portalPanel: true }, "", panelUrl());
    } else if (target.matches('#panel-list [role="option"]')) {
      // The next rows arrived after this one: go on to them if ↓ was waiting.
      if (state.moveOnLoad && target === active()) move(1);
      state.moveOnLoad = false;
    } else if (target.id === "panel-main") {
      const heading = target.querySelector("h2");
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
    }
  });

  // Once htmx has wired up the new panel: search for anything typed while it was doing so.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target.id !== "add-client-body") return;
    const box = search();
    if (box && box.value !== box.defaultValue) htmx.trigger(box.form, "submit");
    announce();
  });

  document.addEventListener("panel-directory-changed", function () {
    // New rows from XPM: show them, unless the user is part-way down the list.
    const rows = list();
    const form = document.getElementById("panel-form");
    if (form && rows && !active() && rows.scrollTop === 0) htmx.trigger(form, "submit");
  });

  // A typed key lets go of the chosen row. XPM is asked only once the typing has settled:
  // a key pressed before a search's check was due drops it (htmx sends nothing for an element no longer in the page), however
  // late the portal's own answers come.
  document.addEventListener("input", function (event) {
    if (event.target !== search()) return;
    choose(null);
    document.querySelectorAll("#add-client [data-panel-confirm]").forEach(function (pending) {
      pending.remove();
    });
  });

  // The result count, said once per answer by the live region that stays in place.
  function announce() {
    const count = document.querySelector("#add-client [data-panel-count]");
    const region = document.getElementById("panel-announce");
    if (!count || !region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = count.textContent.trim(); }, 100);
  }

  // --- The keyboard model ------------------------------------------------------------------
  function choose(option) {
    options().forEach(function (row) { row.setAttribute("aria-selected", row === option ? "true" : "false"); });
    const box = search();
    if (!box) return;
    if (option) {
      box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  }

  function move(step) {
    const rows = options();
    if (!rows.length) return;
    const index = rows.indexOf(active());
    state.moveOnLoad = step > 0 && index === rows.length - 1 && rows[index].hasAttribute("hx-get");
    if (index < 0) choose(step > 0 ? rows[0] : null);
    else if (index + step < 0) choose(null);
    else choose(rows[Math.min(rows.length - 1, index + step)]);
  }

  document.addEventListener("keydown", function (event) {
    const panel = dialog();
    if (!panel || !panel.open) return;
    if (event.key === "Escape") {
      event.preventDefault(); // a search box would only clear itself
      panel.close();
      return;
    }
    if (event.target !== search()) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && active()) {
      event.preventDefault();
      const action = active().querySelector("[data-row-action]");
      // A row swapped in a moment ago may not have its htmx handlers yet (htmx adds them as
      // the swap settles); without them the click would leave the page instead of the list.
      if (action && window.htmx) htmx.process(action);
      if (action) action.click();
    }
  });

  document.addEventListener("click", function (event) {
    const panel = dialog();
    if (!panel || !panel.open) return;
    if (event.target.closest("[data-panel-close]")) {
      panel.close();
      return;
    }
    const action = event.target.closest("#panel-list [data-row-action][data-href]");
    if (action) {
      location.assign(action.dataset.href); // "Open": the profile, in place of the page
      return;
    }
    const row = event.target.closest("#panel-list [role='option']");
    if (row && !event.target.closest("[data-row-action]")) choose(row);
  });

  // --- Focus stays inside: Tab from the last control goes to the first, and back ----------
  function tabStops(panel) {
    const selector = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
    return Array.from(panel.querySelectorAll(selector)).filter(function (element) {
      return !element.disabled && element.tabIndex >= 0 && element.getClientRects().length > 0 &&
        getComputedStyle(element).visibility !== "hidden";
    });
  }

  document.addEventListener("keydown", function (event) {
    const panel = dialog();
    if (event.key !== "Tab" || !panel || !panel.open) return;
    const stops = tabStops(panel);
    if (!stops.length) return;
    const first = stops[0];
    const last = stops[stops.length - 1];
    const inside = panel.contains(document.activeElement) && document.activeElement !== panel;
    if (event.shiftKey && (!inside || document.activeElement === first)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
      event.preventDefault();
      first.focus();
    }
  });

  // --- Alt+I opens the panel from anywhere on the Clients page (the menu item says so) ---
  function isShortcut(event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return false;
    // The letter typed where the layout gives one; the key's place where Alt makes a
    // dead key or another character (macOS).
    return /^[a-z]$/i.test(event.key) ? event.key.toLowerCase() === "i" : event.code === "KeyI";
  }

  document.addEventListener("keydown", function (event) {
    if (!isShortcut(event)) return;
    const item = document.querySelector("[data-opens-panel]");
    const panel = dialog();
    if (!item || !panel || document.querySelector("dialog[open]")) return;
    event.preventDefault();
    const menu = item.closest('[role="menu"]');
    if (menu) menu.hidden = true;
    if (menuButton()) menuButton().setAttribute("aria-expanded", "false");
    item.click(); // htmx fills the panel, as the menu would
  });

  // "Back to the list" from the import form: the panel again, with the search it had (the
  // panel's address keeps it). Caught before htmx sees the click, so one request is made.
  document.addEventListener("click", function (event) {
    const back = event.target.closest("#add-client [data-panel-back]");
    if (!back || !window.htmx) return;
    event.preventDefault();
    event.stopPropagation();
    htmx.ajax("GET", location.pathname + location.search, { target: "#add-client-body", swap: "innerHTML" });
  }, true);

  // --- Start: the panel's own page (/clients/add) opens it over the Clients page -------
  document.addEventListener("DOMContentLoaded", function () {
    const panel = dialog();
    if (!panel) return;
    panel.addEventListener("close", closed);
    if (!("openOnLoad" in panel.dataset)) return;
    state.opener = menuButton();
    if (history.state === null) {
      // Arrived here directly: put the Clients page behind the panel, so Back closes it.
      const here = location.href;
      history.replaceState({ htmx: true }, "", panel.dataset.returnUrl);
      history.pushState({ portalPanel: true }, "", here);
      state.pushed = true;
    } else {
      history.replaceState({ portalPanel: true }, "", location.href);
    }
    show();
    focusSearch();
    announce();
  });
})();
