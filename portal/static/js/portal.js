// Small behaviours the server cannot provide: menu buttons, the mandatory-field gate on
// primary buttons, the import form's kind choice and its lists, the "/" shortcut to the
// search box, and the confirmation dialog before a destructive action.
// No inline scripts, no eval.
(function () {
  "use strict";

  // --- Menu button (WAI-ARIA Authoring Practices, "Menu Button" pattern) -------------
  function menuItems(menu) {
    return Array.from(menu.querySelectorAll('[role="menuitem"]'));
  }

  function openMenu(button, focusLast) {
    const menu = document.getElementById(button.getAttribute("aria-controls"));
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    const items = menuItems(menu);
    if (items.length) items[focusLast ? items.length - 1 : 0].focus();
  }

  function closeMenu(button, returnFocus) {
    const menu = document.getElementById(button.getAttribute("aria-controls"));
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (returnFocus) button.focus();
  }

  function initMenuButton(button) {
    const menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu || button.dataset.menuReady) return;
    button.dataset.menuReady = "1";

    button.addEventListener("click", function () {
      if (button.getAttribute("aria-expanded") === "true") closeMenu(button, false);
      else openMenu(button, false);
    });
    button.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        openMenu(button, event.key === "ArrowUp");
      }
    });
    menu.addEventListener("keydown", function (event) {
      const items = menuItems(menu);
      const index = items.indexOf(document.activeElement);
      const moves = {
        ArrowDown: (index + 1) % items.length,
        ArrowUp: (index - 1 + items.length) % items.length,
        Home: 0,
        End: items.length - 1,
      };
      if (event.key in moves) {
        event.preventDefault();
        items[moves[event.key]].focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        closeMenu(button, true);
      } else if (event.key === "Tab") {
        closeMenu(button, false);
      } else if (event.key === " " && index >= 0) {
        event.preventDefault();
        items[index].click();
      }
    });
    menu.addEventListener("click", function (event) {
      // An item that stays on the page (htmx fills the panel) must still close the menu.
      if (event.target.closest('[role="menuitem"]')) closeMenu(button, false);
    });
    document.addEventListener("click", function (event) {
      if (!button.contains(event.target) && !menu.contains(event.target)) {
        if (button.getAttribute("aria-expanded") === "true") closeMenu(button, false);
      }
    });
  }

  // --- Mandatory-field gate: the primary button stays grey until the form is valid ----
  function labelFor(form, control) {
    const label = control.id && form.querySelector('label[for="' + control.id + '"]');
    const text = label ? label.textContent : control.name;
    return text.replace("*", "").trim();
  }

  function updateGate(form) {
    const submit = form.querySelector("[data-gate-submit]");
    const reason = form.querySelector("[data-gate-reason]");
    if (!submit) return;
    const missing = [];
    const invalid = [];
    Array.from(form.elements).forEach(function (control) {
      if (!control.willValidate || control.type === "submit") return;
      if (control.required && !String(control.value).trim()) missing.push(labelFor(form, control));
      else if (!control.checkValidity()) invalid.push(labelFor(form, control));
    });
    submit.disabled = missing.length > 0 || invalid.length > 0;
    markBlocking(form, reason);
    const parts = [];
    if (missing.length) parts.push("Still needed: " + missing.join(", "));
    if (invalid.length) parts.push("Check: " + invalid.join(", "));
    if (reason) reason.textContent = parts.join(". ");
  }

  // Each field that keeps the button grey says so itself: aria-invalid, described by the
  // reason beside the button ("Still needed: Company type"); a value that is wrong, not only
  // missing, also says why beside the field. A field the server refused is left as it is.
  var PROBLEMS = {
    email: "Enter an e-mail address such as name@example.co.nz.",
    url: "Enter a web address starting with https://",
  };
  let gateCount = 0;

  function markBlocking(form, reason) {
    if (reason && !reason.id) reason.id = (form.id || "form") + "-gate-reason-" + gateCount++;
    Array.from(form.elements).forEach(function (control) {
      if (control.type === "submit" || control.type === "hidden" || !control.name) return;
      if (control.closest(".has-error")) return;
      const missing = control.willValidate && control.required && !String(control.value).trim();
      const wrong = control.willValidate && !missing && !control.checkValidity();
      const noteId = (control.id || control.name) + "-gate";
      let note = document.getElementById(noteId);
      const described = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== noteId && (!reason || id !== reason.id);
      });
      if (missing || wrong) {
        control.setAttribute("aria-invalid", "true");
        if (reason) described.push(reason.id);
      } else {
        control.removeAttribute("aria-invalid");
      }
      if (wrong && control.id) {
        control.dataset.gateMarked = "1";
        if (!note) {
          note = document.createElement("p");
          note.className = "gate-problem";
          note.id = noteId;
          control.insertAdjacentElement("afterend", note);
        }
        note.textContent = PROBLEMS[control.type] || control.validationMessage;
        described.push(noteId);
      } else {
        delete control.dataset.gateMarked;
        if (note) note.remove();
      }
      if (described.length) control.setAttribute("aria-describedby", described.join(" "));
      else control.removeAttribute("aria-describedby");
    });
  }

  function initGate(form) {
    if (form.dataset.gateReady) return;
    form.dataset.gateReady = "1";
    form.addEventListener("input", function () { updateGate(form); });
    form.addEventListener("change", function () { updateGate(form); });
    updateGate(form);
  }

  // --- "/" focuses the search box from anywhere on the page ----------------------------
  function typingInto(element) {
    return element && (element.isContentEditable ||
      ["INPUT", "TEXTAREA", "SELECT"].indexOf(element.tagName) >= 0);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typingInto(document.activeElement)) return;
    const search = document.querySelector("dialog[open] [data-search-shortcut]") ||
      document.querySelector("[data-search-shortcut]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  // --- Kind choice on the import form: show (and require) only that kind's fields ----
  function initKindChoice(select) {
    const form = select.form;
    if (!form || select.dataset.kindReady) return;
    select.dataset.kindReady = "1";
    function apply() {
      form.querySelectorAll("[data-for-kind]").forEach(function (section) {
        const chosen = section.dataset.forKind.split(" ").indexOf(select.value) >= 0;
        section.hidden = !chosen;
        // A structure mapping's default type may stay empty (data-kind-optional).
        const required = chosen && !("kindOptional" in section.dataset);
        section.querySelectorAll("select, input").forEach(function (control) {
          control.disabled = !chosen;
          control.required = required;
        });
      });
      updateGate(form);
    }
    select.addEventListener("change", apply);
    apply();
  }

  // --- "Same as physical address": a ticked box copies one address into another at once and
  // keeps it so while the source is typed in; typing in the copy itself unticks the box. The
  // server copies again on save, so the box works without this script too. ------------
  const ADDRESS_PARTS = ["address", "city", "region", "postcode", "country"];
  let copying = false;

  function initCopyAddress(box) {
    const form = box.form;
    if (!form || box.dataset.copyReady) return;
    box.dataset.copyReady = "1";
    function pairs() {
      return ADDRESS_PARTS.map(function (part) {
        return [form.elements[box.dataset.copyFrom + "_" + part],
          form.elements[box.dataset.copyTo + "_" + part]];
      }).filter(function (pair) { return pair[0] && pair[1]; });
    }
    function copy() {
      if (!box.checked) return;
      const outer = copying;
      copying = true;
      try {
        pairs().forEach(function (pair) {
          if (pair[1].value === pair[0].value) return;
          pair[1].value = pair[0].value;
          // Tell an address copied from this one (the address for service) in turn.
          pair[1].dispatchEvent(new Event("input", { bubbles: true }));
        });
      } finally {
        copying = outer;
      }
    }
    box.addEventListener("change", copy);
    pairs().forEach(function (pair) {
      pair[0].addEventListener("input", copy);
      pair[1].addEventListener("input", function () { if (!copying) box.checked = false; });
    });
  }

  // --- The role form: only the role's own details (shares for a shareholder, a percentage
  // for a partner), and a new contact's kind chosen means "a new contact" -------------------
  function initRoleChoice(select) {
    const form = select.form;
    if (!form || select.dataset.roleReady) return;
    select.dataset.roleReady = "1";
    function apply() {
      form.querySelectorAll("[data-for-role]").forEach(function (section) {
        const chosen = section.dataset.forRole.split(" ").indexOf(select.value) >= 0;
        section.hidden = !chosen;
        section.querySelectorAll("input, select").forEach(function (control) {
          control.disabled = !chosen;
        });
      });
    }
    select.addEventListener("change", apply);
    apply();
  }

  function initRoleForm(form) {
    if (form.dataset.roleFormReady) return;
    form.dataset.roleFormReady = "1";
    const kind = form.querySelector("select[data-kind-choice]");
    const newContact = form.querySelector("[data-new-contact]");
    if (!kind || !newContact) return;
    kind.addEventListener("change", function () {
      if (kind.value) newContact.checked = true;
    });
    form.addEventListener("change", function (event) {
      const target = event.target;
      if (target.name === "party" && target !== newContact && target.checked && kind.value) {
        kind.value = "";
        kind.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  // --- A form whose work takes a while (bulk upload): say so, and do not send it twice --
  function initBusyForm(form) {
    if (form.dataset.busyReady) return;
    form.dataset.busyReady = "1";
    form.addEventListener("submit", function () {
      const message = form.querySelector("[data-busy-message]");
      if (message) message.hidden = false;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        // After this event, so the button's own submission still goes through.
        setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  }

  // --- Passkeys: the page carries the server's options; the browser's answer goes back in
  // the form (WebAuthn's JSON forms, so no base64 code here) -----------------------------
  function passkeyAnswer(kind, options) {
    if (kind === "create") {
      return navigator.credentials.create({
        publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
      });
    }
    return navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
    });
  }

  function initPasskeyButton(button) {
    if (button.dataset.passkeyReady) return;
    button.dataset.passkeyReady = "1";
    const form = button.form;
    const status = form.querySelector("[data-passkey-status]");
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) {
      button.disabled = true;
      status.textContent = "This browser cannot use passkeys; use another way to sign in.";
      return;
    }
    button.addEventListener("click", function () {
      if (!form.reportValidity()) return;
      status.textContent = "Waiting for your device…";
      passkeyAnswer(button.dataset.passkey, JSON.parse(form.dataset.passkeyOptions))
        .then(function (credential) {
          form.querySelector("[data-passkey-answer]").value = JSON.stringify(credential.toJSON());
          form.submit();
        })
        .catch(function (error) {
          status.textContent = error.name === "NotAllowedError"
            ? "The passkey was not used (cancelled or timed out). Try again."
            : "The passkey did not work: " + error.message;
        });
    });
  }

  // --- Arriving at "#field-NAME" (a checklist link): that control is focused, shown with its
  // label, and highlighted until it is changed -----------------------------------------
  function arrive() {
    const id = decodeURIComponent(location.hash.slice(1));
    if (!/^field-[\w-]+$/.test(id)) return;
    const wrapper = document.getElementById(id);
    if (!wrapper) return;
    // A list rather than a form field names its control with data-arrive (the Edit link of
    // the first current shareholder, not the link to that shareholder's own page).
    const control = wrapper.matches("input, select, textarea, button, a")
      ? wrapper
      : wrapper.querySelector("[data-arrive]") ||
        wrapper.querySelector("input:not([type=hidden]), select, textarea, button, a[href]");
    document.querySelectorAll(".arrived").forEach(function (el) { el.classList.remove("arrived"); });
    wrapper.classList.add("arrived");
    // The wrapper holds the label: bring it all into view, then focus without jumping.
    wrapper.scrollIntoView({ block: "center" });
    if (control) {
      control.focus({ preventScroll: true });
      control.addEventListener("input", function () { wrapper.classList.remove("arrived"); },
        { once: true });
    }
  }

  window.addEventListener("hashchange", arrive);

  // "Tick all": a checkbox with data-tick-all ticks (or unticks) every data-tickable box
  // of its form, and shows whether they all are ticked as the user ticks them one by one.
  function initTickAll(box) {
    var form = box.form;
    if (!form) return;
    function boxes() { return form.querySelectorAll("input[type=checkbox][data-tickable]"); }
    box.hidden = false;
    if (box.labels) box.labels.forEach(function (label) { label.hidden = false; });
    box.addEventListener("change", function () {
      boxes().forEach(function (other) { other.checked = box.checked; });
    });
    form.addEventListener("change", function (event) {
      if (event.target === box || !event.target.hasAttribute("data-tickable")) return;
      box.checked = Array.prototype.every.call(boxes(), function (other) { return other.checked; });
    });
  }

  // --- Confirmations (docs/architecture.md, "Confirmations") ------------------------------
  // A form[data-confirm] asks first, in the page's one <dialog>: Cancel (focused) and Esc
  // leave everything as it was and give the focus back to the button; the action button
  // sets confirm=1 and sends the form. Without this the server asks with a page instead.
  var asking = null;

  function askFirst(form, button) {
    var dialog = document.getElementById("confirm-dialog");
    var field = form.querySelector("[data-confirm-field]");
    if (!dialog || typeof dialog.showModal !== "function" || !field) return false;
    document.getElementById("confirm-dialog-question").textContent = form.dataset.confirmQuestion;
    document.getElementById("confirm-dialog-detail").textContent = form.dataset.confirmDetail;
    document.getElementById("confirm-dialog-action").textContent = form.dataset.confirmAction;
    asking = { form: form, button: button, field: field };
    dialog.returnValue = "";
    dialog.showModal();
    return true;
  }

  function answered() {
    var dialog = document.getElementById("confirm-dialog");
    var request = asking;
    asking = null;
    if (!request) return;
    if (dialog.returnValue === "confirm") {
      request.field.value = "1";
      if (request.form.requestSubmit) request.form.requestSubmit(request.button || undefined);
      else request.form.submit();
    } else if (request.button) {
      request.button.focus();
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-confirm]")) return;
    var field = form.querySelector("[data-confirm-field]");
    if (field && field.value === "1") return;
    var button = event.submitter || form.querySelector("button[type=submit]");
    if (askFirst(form, button)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog) return;
    dialog.addEventListener("close", answered);
    // Tab and Shift+Tab go round the dialog's two buttons, never out to the browser's bar.
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") return;
      var buttons = Array.from(dialog.querySelectorAll("button"));
      var at = buttons.indexOf(document.activeElement);
      var next = (at + (event.shiftKey ? -1 : 1) + buttons.length) % buttons.length;
      event.preventDefault();
      buttons[next].focus();
    });
  });


  // --- The import form's selects: ↓ or ↑ on a closed list opens it rather than changing the
  // choice, so that no key lands on a company type or plan nobody chose (on Linux and
  // Windows a closed select takes the next option); a type the firm's mapping gave says so
  // until it is changed ---------------------------------------------------------------
  function initChoiceList(select) {
    if (select.dataset.pickReady) return;
    select.dataset.pickReady = "1";
    select.addEventListener("keydown", function (event) {
      if ((event.key !== "ArrowDown" && event.key !== "ArrowUp") || event.altKey) return;
      if (typeof select.showPicker !== "function") return;
      event.preventDefault();
      try { select.showPicker(); } catch (error) { /* not allowed here: nothing changes */ }
    });
    const note = select.dataset.prefilled !== undefined &&
      document.getElementById(select.id + "-hint");
    if (note) {
      select.addEventListener("change", function () {
        note.hidden = select.value !== select.dataset.prefilled;
      });
    }
  }

  function init(root) {
    root.querySelectorAll("form.import-form select").forEach(initChoiceList);
    root.querySelectorAll("button[data-passkey]").forEach(initPasskeyButton);
    root.querySelectorAll("[data-menu-button]").forEach(initMenuButton);
    root.querySelectorAll("form[data-gate]").forEach(initGate);
    root.querySelectorAll("select[data-kind-choice]").forEach(initKindChoice);
    root.querySelectorAll("form[data-busy-form]").forEach(initBusyForm);
    root.querySelectorAll("input[data-copy-from]").forEach(initCopyAddress);
    root.querySelectorAll("select[data-role-choice]").forEach(initRoleChoice);
    root.querySelectorAll("form[data-role-form]").forEach(initRoleForm);
    root.querySelectorAll("input[data-tick-all]").forEach(initTickAll);
  }

  // --- Focus on arrival: a form the server refused focuses its first invalid field (the
  // summary above says what is wrong); a page opened after a change focuses its heading.
  function focusOnArrival() {
    if (/^#field-/.test(location.hash)) return; // arrive() has its own control to focus
    const summary = document.querySelector("[data-error-summary]");
    const form = summary && summary.closest("form");
    const first = form &&
      (form.querySelector('.has-error [aria-invalid="true"]') || form.querySelector('[aria-invalid="true"]'));
    if (first) { first.focus(); return; }
    const heading = document.querySelector("[data-focus-on-load]");
    if (heading) heading.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    focusOnArrival();
    arrive();
  });
  // The browser's own jump to the fragment comes as the page finishes loading: it scrolls
  // the wrapper to the very top (the label under the window's edge) and, the wrapper not
  // being focusable, takes the focus away. Arrive again once it is done.
  window.addEventListener("load", function () { requestAnimationFrame(arrive); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
