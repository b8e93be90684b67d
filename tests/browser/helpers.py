"""Small steps the browser journeys share."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def mark_document(page: Page) -> None:
    """Tag this document: if the tag survives, no full page load happened since."""
    page.evaluate("() => { window.__allySameDocument = true; }")


def assert_same_document(page: Page) -> None:
    assert page.evaluate("() => window.__allySameDocument === true"), "the page reloaded"


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until `target` has focus, as a keyboard user would."""
    expect(target).to_be_visible()
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if is_focused(target):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{limit} presses of {key} never reached {target}")


def focus_report(page: Page, region: Locator) -> str | None:
    """None once focus is inside `region` (it moves there after the swap settles:
    waited for, up to the expect timeout), else a description of where it is."""
    # :focus-within matches the region when it, or anything in it, has focus.
    try:
        expect(region.and_(page.locator(":focus-within"))).to_have_count(1)
        return None
    except AssertionError:
        return page.evaluate(
            "() => { const a = document.activeElement;"
            " return a ? '<' + a.tagName.toLowerCase() + (a.id ? ' id=' + a.id : '') + '>' : 'nothing'; }"
        )
