"""The operators' console in headless Chromium, as people on duty use it.

usage: console.py URL SCREENSHOTS_DIR

The gateway at URL runs the demo configuration with `console.idle_timeout: 5s`, with
personnel records to the veterans registry reviewed too and reviewer-b cleared for public
records only. It has received the demo's contract and the HR system's two personnel records
(АБ-123456, ВГ-000042), and their three reviews are open. Prints each failed check and exits
1 if any failed; keeps a screenshot of every page it visits in SCREENSHOTS_DIR.
"""
import datetime
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, out = sys.argv[1].rstrip("/"), sys.argv[2]
os.makedirs(out, exist_ok=True)
failures = []
drivers = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print(f"FAILED: {what}", flush=True)


def browser(width=1280, height=900):
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}"]:
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    drivers.append(driver)
    return driver


def shot(driver, name):
    driver.save_screenshot(os.path.join(out, f"{name}.png"))


def submit(driver, selector):
    """Presses a form's button and waits until the page it leads to has replaced this one."""
    old = driver.find_element(By.TAG_NAME, "html").id

    def replaced(current):
        try:
            return (current.find_element(By.TAG_NAME, "html").id != old
                    and current.execute_script("return document.readyState") == "complete")
        except Exception:  # the old page is going away under the driver
            return False

    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 10).until(replaced)


def sign_in(driver, token):
    driver.get(url + "/console/")
    driver.delete_all_cookies()  # a fresh session, whether or not the last one is still alive
    driver.get(url + "/console/")
    driver.find_element(By.NAME, "token").send_keys(token)
    submit(driver, "form[action='/console/sign-in'] button")
    check("Signed in as" in driver.page_source, f"signing in with {token}")


def overflows(driver):
    return driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth")


def review_links(driver, destination):
    """The links of the reviews page's rows for a destination."""
    return [row.find_element(By.TAG_NAME, "a").get_attribute("href")
            for row in driver.find_elements(By.CSS_SELECTOR, "table tbody tr") if destination in row.text]


def eventually(driver, path, condition, seconds=15):
    """Loads path until condition holds of the page (what the gateway does next is not instant)."""
    deadline = time.monotonic() + seconds
    while True:
        driver.get(url + path)
        if condition(driver.page_source) or time.monotonic() > deadline:
            return condition(driver.page_source)
        time.sleep(0.2)


try:
    # Two reviewers in two browser sessions release a contract.
    first, second = browser(), browser()
    sign_in(first, "reviewer-a-demo-token")
    check('id="open-reviews">3<' in first.page_source, "reviewer-a's overview counts the three open reviews")
    shot(first, "overview")
    first.get(url + "/console/reviews")
    shot(first, "reviews")
    contracts, personnel = review_links(first, "procurement-register"), review_links(first, "veterans-registry")
    check(len(contracts) == 1 and "2366200608816001262" in first.page_source,
          "the reviews page lists the contract waiting")
    check(len(personnel) == 2 and "АБ-123456" in first.page_source and "ВГ-000042" in first.page_source,
          "reviewer-a, cleared for restricted records, sees the personnel records' reviews")
    link = contracts[0]
    first.get(link)
    page = first.page_source
    check("procurement.contract" in page and "procurement-register" in page, "a review shows its record and destination")
    shot(first, "review")
    submit(first, "form[action$='/approve'] button")
    check('id="approvals">1/2 (reviewer-a)' in first.page_source, "the first approval counts one of two")
    sign_in(second, "reviewer-b-demo-token")
    # reviewer-b is cleared for public records: the contract's release, not the personnel records'.
    check('id="open-reviews">1<' in second.page_source, "reviewer-b's overview counts only the contract's review")
    second.get(url + "/console/reviews")
    check("2366200608816001262" in second.page_source and "АБ-123456" not in second.page_source
          and "veterans-registry" not in second.page_source,
          "reviewer-b's reviews page lists the contract and none of the personnel records")
    shot(second, "reviews-public-clearance")
    second.get(personnel[0])
    check("no review" in second.page_source and "Иванов" not in second.page_source,
          "a personnel record's review is not found for reviewer-b, even by its address")
    second.get(link)
    submit(second, "form[action$='/approve'] button")
    check("2/2 (reviewer-a, reviewer-b)" in second.page_source and "Approved." in second.page_source,
          "the second reviewer's approval releases the record")
    shot(second, "review-approved")

    # Russian labels by the switch.
    submit(second, "button[value='ru']")
    check("Проверка" in second.page_source, "the switch shows Russian labels")
    submit(second, "button[value='en']")

    # At phone width nothing overflows, on every page an operator sees.
    phone = browser(390, 844)
    sign_in(phone, "ops-demo-token")
    for path, name in [("/console/", "phone-overview"), ("/console/reviews", "phone-reviews"),
                       (link[len(url):], "phone-review"), ("/console/held", "phone-held"),
                       ("/console/dead-letters", "phone-dead-letters"), ("/console/documents", "phone-documents"),
                       ("/console/destinations", "phone-destinations"), ("/console/audit", "phone-audit")]:
        phone.get(url + path)
        check(not overflows(phone), f"{path} overflows at phone width")
        shot(phone, name)
    desk = browser()
    sign_in(desk, "ops-demo-token")
    for path, name in [("/console/held", "held"), ("/console/dead-letters", "dead-letters"),
                       ("/console/destinations", "destinations"), ("/console/audit", "audit"),
                       ("/console/documents", "documents")]:
        desk.get(url + path)
        shot(desk, name)
    desk.get(url + "/console/")
    check('id="documents">2<' in desk.page_source and 'id="accepted">3<' in desk.page_source,
          "the operator's overview counts two documents and three accepted records")
    check('id="dead-letters">0<' in desk.page_source, "the overview shows no dead letters")
    desk.get(url + "/console/held")
    check("Nothing here." in desk.page_source, "nothing is held")
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    # The discharged soldier's record goes to the social fund without review.
    check(eventually(desk, "/console/destinations",
                     lambda page: '<td>social-fund</td>' in page
                     and f'class="last-delivery">{today}T' in page.split("<td>social-fund</td>")[1].split("</tr>")[0]),
          "the destinations page shows the social fund's last delivery, today")
    page = desk.page_source
    check("procurement-register" in page and "required" in page, "the destinations page names the register and its review")
    shot(desk, "destinations")
    desk.get(url + f"/console/audit?kind=review-approved&since={today}")
    check("review-approved" in desk.page_source and "reviewer-b" in desk.page_source,
          "the audit page shows today's approvals")
    shot(desk, "audit-approvals")
    phone.get(url + "/console/documents")
    check(">contracts<" in phone.page_source and ">hr<" in phone.page_source,
          "the documents page lists the contract office's and the HR system's documents")
    contract_document = [row.find_element(By.TAG_NAME, "a").get_attribute("href")
                         for row in phone.find_elements(By.CSS_SELECTOR, "table tbody tr") if "contracts" in row.text]
    check(len(contract_document) == 1, "one document of the contract office")
    phone.get(contract_document[0])
    check("2366200608816001262" in phone.page_source and "procurement-register" in phone.page_source,
          "a document shows its record and destination")
    check(not overflows(phone), "a document overflows at phone width")
    shot(phone, "phone-document")
    # The reviewer's session may have idled out meanwhile (the timeout is short here).
    sign_in(first, "reviewer-a-demo-token")
    first.get(url + "/console/held")
    check("Only operators" in first.page_source, "a reviewer is refused the operators' pages")

    # A cross-site form post is refused.
    attack = os.path.join(out, "attack.html")
    with open(attack, "w") as page_file:
        page_file.write(f'<form method="post" action="{url}/console/sign-out"><input name="csrf" value="x">'
                        '<button>go</button></form>')
    second.get("file://" + attack)
    submit(second, "button")
    check("sent from another site" in second.page_source, "a cross-site POST is refused")
    os.remove(attack)

    # Sign-out ends the session.
    first.get(url + "/console/")
    submit(first, "form[action='/console/sign-out'] button")
    first.get(url + "/console/reviews")
    check('name="token"' in first.page_source, "after sign-out a page asks to sign in")

    # An idle session expires: the test gateway's console.idle_timeout is 5 s, and the time it
    # takes to pass is all there is to wait for.
    late = browser()
    sign_in(late, "ops-demo-token")
    time.sleep(6)
    late.get(url + "/console/reviews")
    check('name="token"' in late.page_source, "an expired session asks to sign in")
    shot(late, "signed-out")
finally:
    for driver in drivers:
        driver.quit()

print(f"{len(failures)} failed checks")
sys.exit(1 if failures else 0)
