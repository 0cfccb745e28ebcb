"""PDFs printed by headless Chromium from a page the server rendered (Playwright driving Debian's chromium).

The page is handed to Chromium as HTML with its CSS inline, and every network request from it is refused, so
printing fetches nothing from anywhere. Playwright's sync API runs in a thread of its own: it cannot run on a
thread that already has an asyncio loop (a test's browser, or an async server).
"""

import shutil
from concurrent.futures import ThreadPoolExecutor

from flask import current_app

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
NO_CHROMIUM = ("PDF export needs the Chromium browser on the server, and it is not installed. Whoever runs esafety "
               "for the school can install it (on Debian or Ubuntu: apt-get install chromium). The CSV export works "
               "without it.")


class PdfUnavailable(RuntimeError):
    """The server cannot print PDFs (no Chromium, or it failed); the message says what to do."""


def chromium_path() -> str | None:
    """ESAFETY_CHROMIUM if set, else `chromium` on the PATH."""
    configured = current_app.config.get("CHROMIUM")
    if configured is not None:
        return shutil.which(configured) if configured else None
    return shutil.which("chromium")


def _print(executable: str, html: str, footer: str) -> bytes:
    """Launch Chromium, load the HTML with the network shut, and print A4 with the footer on every page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(java_script_enabled=False)
            context.route("**/*", lambda route: route.abort())
            page = context.new_page()
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True, display_header_footer=True,
                            header_template="<span></span>", footer_template=footer,
                            margin={"top": "14mm", "bottom": "18mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()


def print_pdf(html: str, footer: str) -> bytes:
    """The PDF of a server-rendered page; PdfUnavailable with a clear message when it cannot be made."""
    executable = chromium_path()
    if executable is None:
        raise PdfUnavailable(NO_CHROMIUM)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        raise PdfUnavailable("PDF export needs the Playwright package (pip install playwright); "
                             "the CSV export works without it.") from error
    from playwright.sync_api import Error as PlaywrightError

    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(_print, executable, html, footer).result(timeout=90)
        except (PlaywrightError, OSError, TimeoutError) as error:
            current_app.logger.exception("Chromium could not print a PDF")
            raise PdfUnavailable("Chromium is installed but could not print the PDF just now. Try again; if it "
                                 f"keeps failing, whoever runs esafety can check the server log. ({type(error).__name__})") \
                from error
