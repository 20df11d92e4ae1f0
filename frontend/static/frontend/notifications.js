// The live stream every signed-in page opens (see docs/notifications.md, "In the browser").
// It keeps the header's unread badge current and announces new notifications without moving
// focus; on the triage queue it refreshes the table in place, and on a referral it says when
// someone else has changed it. After a drop it reconnects with capped exponential back-off and
// catches up on what it missed. Ids already announced are kept for this tab (sessionStorage), so
// neither a reconnect nor moving to another page announces one twice. When the server refuses
// the stream it says why (notifications/consumers.py): signed out, the page stops and says so;
// live updates paused (Redis down), the page says so and tries again only every few minutes.

const SIGNED_OUT = 4401; // reconnecting would be refused again until the person signs in
const LIVE_PAUSED = 4503;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30000;
const PAUSED_RETRY_FIRST_MS = 30000;
const PAUSED_RETRY_MAX_MS = 5 * 60 * 1000;
const PAUSED_AFTER_ATTEMPTS = 4; // failures in a row (some seconds of trying) before saying so
const SEEN_FOR_MS = 10 * 60 * 1000; // well past the server's catch-up look-back of 2 minutes
const SEEN_MAX = 400; // the server reads at most 500
const TITLES_READ_OUT = 3;
const NOTICES_SHOWN = 5;

const body = document.body;
const storageKey = `live-notifications:${body.dataset.liveUser}`;

// --- What this tab has seen -----------------------------------------------------------------

function loadSeen() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(storageKey));
    if (saved && Number.isInteger(saved.since) && Array.isArray(saved.seen)) {
      return { since: saved.since, seen: new Map(saved.seen), firstPage: false };
    }
  } catch {
    // Storage unreadable or switched off: start from what the page was rendered with.
  }
  return { since: Number(body.dataset.liveLatest) || 0, seen: new Map(), firstPage: true };
}

const state = loadSeen();

function saveSeen() {
  const cutoff = Date.now() - SEEN_FOR_MS;
  const recent = [...state.seen].filter(([, at]) => at >= cutoff).slice(-SEEN_MAX);
  state.seen = new Map(recent);
  try {
    sessionStorage.setItem(storageKey, JSON.stringify({ since: state.since, seen: recent }));
  } catch {
    // Full or switched off: this page still avoids repeats; the next one may repeat a few.
  }
}

// Records the notifications as seen; answers those not seen before.
function firstSightings(notifications) {
  const fresh = notifications.filter((n) => Number.isInteger(n.id) && !state.seen.has(n.id));
  for (const n of fresh) {
    state.seen.set(n.id, Date.now());
    state.since = Math.max(state.since, n.id);
  }
  saveSeen();
  return fresh;
}

// --- What the page shows and says -----------------------------------------------------------

function hiddenText(text) {
  const span = document.createElement("span");
  span.className = "govuk-visually-hidden";
  span.textContent = text;
  return span;
}

function setBadge(count) {
  if (!Number.isInteger(count)) return;
  for (const badge of document.querySelectorAll("[data-unread-badge]")) {
    badge.hidden = count === 0;
    badge.replaceChildren(String(count), hiddenText(` unread notification${count === 1 ? "" : "s"}`));
  }
}

// Screen readers read a live region's new text; clearing it first lets the same words repeat.
function announce(text, { urgent = false } = {}) {
  const region = document.querySelector(urgent ? "[data-live-assertive]" : "[data-live-polite]");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 100);
}

// A GOV.UK notification banner (the "important" kind), built without parsing any HTML.
function banner(id, title, content) {
  const box = document.createElement("div");
  box.className = "govuk-notification-banner";
  box.setAttribute("role", "region");
  box.setAttribute("aria-labelledby", `${id}-title`);
  const header = document.createElement("div");
  header.className = "govuk-notification-banner__header";
  const heading = document.createElement("h2");
  heading.className = "govuk-notification-banner__title";
  heading.id = `${id}-title`;
  heading.textContent = title;
  header.append(heading);
  const inner = document.createElement("div");
  inner.className = "govuk-notification-banner__content";
  inner.append(...content);
  box.append(header, inner);
  return box;
}

function link(text, href) {
  const a = document.createElement("a");
  a.className = "govuk-notification-banner__link";
  a.href = href;
  a.textContent = text;
  return a;
}

// Only addresses within this service are linked.
function isLocal(url) {
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//");
}

function showNotices(notifications) {
  const slot = document.querySelector("[data-live-notices]");
  if (!slot) return;
  let list = slot.querySelector("ul");
  if (!list) {
    list = document.createElement("ul");
    list.className = "govuk-list";
    const all = document.createElement("p");
    all.className = "govuk-body";
    all.append(link("See all your notifications", "/notifications/"));
    slot.append(banner("live-notices", "New notifications", [list, all]));
  }
  for (const n of notifications) {
    const item = document.createElement("li");
    if (n.urgent) item.append(Object.assign(document.createElement("strong"), { textContent: "Urgent: " }));
    item.append(isLocal(n.url) ? link(n.title, n.url) : n.title);
    list.prepend(item);
  }
  while (list.children.length > NOTICES_SHOWN) list.lastElementChild.remove();
}

function tell(notifications, { missed = false } = {}) {
  if (!notifications.length) return;
  showNotices(notifications);
  const titles = notifications.slice(-TITLES_READ_OUT).map((n) => n.title).join(". ");
  const count = notifications.length;
  const lead = missed
    ? `${count} new notification${count === 1 ? "" : "s"} while you were disconnected`
    : `New notification${count === 1 ? "" : "s"}`;
  announce(`${lead}: ${titles}`, { urgent: notifications.some((n) => n.urgent) });
}

// --- The triage queue: refreshed in place ---------------------------------------------------

const triage = document.querySelector("[data-live-triage]");
let refreshing = null;
let refreshAgain = false;

async function refreshTriage() {
  const response = await fetch(window.location.href, {
    headers: { "X-Requested-With": "XMLHttpRequest" },
    credentials: "same-origin",
    cache: "no-store",
  });
  if (!response.ok || response.redirected) return; // signed out: the next page load says so
  const fresh = document.createElement("div");
  fresh.innerHTML = await response.text(); // this service's own table, rendered for this user
  if (fresh.innerHTML.trim() === triage.innerHTML.trim()) return;
  // Keep the place of someone working in the table: the same link, else the table itself.
  const focused = triage.contains(document.activeElement) ? document.activeElement : null;
  const href = focused?.getAttribute("href");
  triage.replaceChildren(...fresh.childNodes);
  if (focused) {
    const again = href && triage.querySelector(`a[href="${CSS.escape(href)}"]`);
    if (!again) triage.setAttribute("tabindex", "-1");
    (again || triage).focus({ preventScroll: true });
  }
  announce("The triage queue has been updated");
}

function queueTriageRefresh() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = refreshTriage()
    .catch(() => {}) // offline for a moment: the next change or reconnect refreshes again
    .finally(() => {
      refreshing = null;
      if (refreshAgain) {
        refreshAgain = false;
        queueTriageRefresh();
      }
    });
}

// --- A referral page: someone else changed it -----------------------------------------------

const referral = document.querySelector("[data-live-referral]");

function showReferralChanged() {
  if (referral.firstChild) return;
  const heading = document.createElement("p");
  heading.className = "govuk-notification-banner__heading";
  heading.append(
    "Someone else has changed this referral. ",
    link("Reload the page to see the changes", window.location.href),
    ".",
  );
  referral.append(banner("referral-changed", "Important", [heading]));
  announce("Someone else has changed this referral. Reload the page to see the changes.");
}

// --- Why the page is not live ---------------------------------------------------------------

const statusSlot = document.querySelector("[data-live-status]");

function showStatus(id, words, linkText) {
  if (!statusSlot || statusSlot.querySelector(`#${id}-title`)) return;
  const heading = document.createElement("p");
  heading.className = "govuk-notification-banner__heading";
  heading.append(`${words} `, link(linkText, window.location.href), ".");
  statusSlot.replaceChildren(banner(id, "Important", [heading]));
  announce(`${words} ${linkText}.`);
}

function showPaused() {
  body.dataset.liveState = "paused";
  showStatus(
    "live-paused",
    "Live updates are paused: new notifications and changes by others will not appear on this page until they are back.",
    "Reload the page to see the latest",
  );
}

function showSignedOut() {
  body.dataset.liveState = "signed-out";
  showStatus(
    "live-signed-out",
    "Live updates have stopped because you are no longer signed in.",
    "Sign in again",
  );
}

// --- The stream ----------------------------------------------------------------------------

let socket = null;
let attempts = 0;
let leaving = false;

function send(message) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function caughtUp(notifications, firstPage) {
  // On a tab's first page, what the page was rendered with is not news.
  const floor = firstPage ? Number(body.dataset.liveLatest) || 0 : 0;
  const fresh = firstSightings(notifications);
  tell(
    fresh.filter((n) => n.id > floor),
    { missed: !firstPage },
  );
}

const handlers = {
  hello(message, reconnected) {
    attempts = 0;
    statusSlot?.replaceChildren(); // live again: nothing to say; catch_up tells what was missed
    setBadge(message.unread);
    // The server answers in order, so once caught up the page is also watching.
    if (triage) send({ type: "watch_triage" });
    if (referral) send({ type: "watch_referral", reference: referral.dataset.liveReferral });
    send({ type: "catch_up", since: state.since, seen: [...state.seen.keys()] });
    if (triage && reconnected) queueTriageRefresh(); // it may have changed while disconnected
  },
  notification(message) {
    setBadge(message.unread);
    if (message.notification) tell(firstSightings([message.notification]));
  },
  caught_up(message) {
    setBadge(message.unread);
    caughtUp(Array.isArray(message.notifications) ? message.notifications : [], state.firstPage);
    state.firstPage = false;
    body.dataset.liveState = "live";
  },
  unread(message) {
    setBadge(message.unread);
  },
  triage_changed() {
    if (triage) queueTriageRefresh();
  },
  referral_changed(message) {
    if (referral && message.by_me === false) showReferralChanged();
  },
};

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const reconnected = attempts > 0;
  socket = new WebSocket(`${scheme}://${window.location.host}${body.dataset.liveStream}`);
  socket.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (Object.hasOwn(handlers, message?.type)) handlers[message.type](message, reconnected);
  });
  socket.addEventListener("close", (event) => {
    body.dataset.liveState = "disconnected";
    if (leaving) return;
    if (event.code === SIGNED_OUT) {
      showSignedOut();
      return;
    }
    const paused = event.code === LIVE_PAUSED || attempts + 1 >= PAUSED_AFTER_ATTEMPTS;
    if (paused) showPaused();
    // Refused as paused, the server will not be ready in a second: ask every few minutes.
    const delay =
      event.code === LIVE_PAUSED
        ? Math.min(PAUSED_RETRY_MAX_MS, PAUSED_RETRY_FIRST_MS * 2 ** attempts)
        : Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempts);
    attempts += 1;
    // Spread out the reconnects of many pages after a server restart.
    window.setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
  });
}

window.addEventListener("pagehide", () => {
  leaving = true;
  socket?.close();
});
window.addEventListener("pageshow", (event) => {
  if (event.persisted) {
    // Back from the back-forward cache: the stream was closed on the way out.
    leaving = false;
    attempts = 1;
    connect();
  }
});

if (body.dataset.liveStream && "WebSocket" in window) connect();
