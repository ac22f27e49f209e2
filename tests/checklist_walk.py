"""What the browser walk of the checklist (tests/browser/test_checklist_walk.py) meets:
every text ``portal/clients/checklist.py`` can show, as a pattern, by the walk's own key.

tests/test_checklist_walk_coverage.py holds this list to the checklist's rules, so a rule
added there without being walked fails it (here, not in the browser module, so that the
unit test runs where there is no browser).
"""

import re

#: Every text the checklist can show, as a regular expression matching all of it.
WALKED = {
    "company_number": "Add the company number or NZBN",
    "companies_office": re.escape(
        "Confirm the company number with the Companies Office (not linked to it)"
    ),
    "director": "Add at least one director",
    "shareholder": "Add at least one shareholder",
    "shares": "Enter the number of shares for every shareholder",
    "total_shares": "Enter the total number of shares the company has issued",
    "allocations": r"Share allocations add up to [\d,]+, not the [\d,]+ shares issued",
    "ird_masked": re.escape("Enter the full IRD number (only the last digits are known)"),
    "ird_missing": "Add the IRD number",
    "both_addresses": "Add the registered office and address for service",
    "registered": "Add the registered office",
    "service": "Add the address for service",
    "annual_return_month": "Set the annual return filing month",
    "filing_obligation": "Choose the filing obligation",
    "settlement_date": "Add the settlement date",
    "trust_deed_date": "Add the trust deed date",
    "vesting_date": "Add the vesting date",
    "trustee": "Add at least one trustee",
    "trustee_date": "Enter each trustee's appointment date",
    "beneficiary": "Add the beneficiaries",
    "beneficiary_date": "Enter each beneficiary's appointment date",
    "settlor": "Add the settlor",
    "date_of_birth": "Add the date of birth",
    "residential": "Add the residential address",
    "email": "Add an e-mail address",
    "kind": "Choose whether this is a company, a trust or an individual",
}
