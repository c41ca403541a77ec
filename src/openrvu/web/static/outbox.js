// openrvu outbox: log entries made without a connection wait on this device and are sent later, once.
//
// Every entry gets an idempotency key made here, once, before its first send; each retry sends the same
// key, so a request that reached the server but whose answer was lost is never counted twice (the
// server answers a repeated key with the line it already stored). Entries live in IndexedDB (one record
// per key, so two tabs never overwrite each other's queue), tagged with the signed-in user; they hold
// the log fields only (date, code, modifiers, units, place of service, "same patient as my last line"),
// never patient data. "Same patient" is sent as that option, not as a token: the server resolves it when
// the entry arrives, and entries are sent oldest first, so it joins the line queued before it.
// An entry leaves the outbox only when the server stored it (2xx) or the user discards it: a refused
// entry (4xx) stays, marked, with the server's reason, for the user to fix or discard. A 200 with
// "deleted": true means the server had stored it and the user deleted that line since (its answer was
// lost): it leaves too, counted apart from the lines sent, as it was not logged again.
// Without JavaScript, or without IndexedDB, the form posts as it always did.
(function () {
  "use strict";

  var section = document.getElementById("outbox");
  var form = document.querySelector("form[data-outbox]");
  if (!section || !form || !window.indexedDB || !window.fetch || !window.crypto) return;

  var USER = section.getAttribute("data-outbox-user");
  var SEND_TIMEOUT_MS = 15000;
  var RETRY_FIRST_MS = 5000;
  var RETRY_MAX_MS = 5 * 60 * 1000;
  var FIELD_NAMES = {
    hcpcs: "Code", modifiers: "Modifiers", units: "Units", date_of_service: "Date of service",
    pos: "Place of service", idempotency_key: "Key", same_patient: "Same patient", encounter: "Encounter",
  };
  var count = document.getElementById("outbox-count");
  var lines = document.getElementById("outbox-lines");
  var status = document.getElementById("outbox-status");
  var channel = window.BroadcastChannel ? new BroadcastChannel("openrvu-outbox") : null;
  var retryDelay = RETRY_FIRST_MS;
  var retryTimer = null;
  var flushing = null;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the log still works online */ });
  }

  // --- IndexedDB: one object store of entries keyed by their idempotency key ---
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open("openrvu", 1);
        request.onupgradeneeded = function () { request.result.createObjectStore("outbox", { keyPath: "key" }); };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }
  function store(mode, action) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction("outbox", mode);
        var request = action(tx.objectStore("outbox"));
        tx.oncomplete = function () { resolve(request.result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function put(entry) { return store("readwrite", function (s) { return s.put(entry); }).then(changed); }
  function remove(key) { return store("readwrite", function (s) { return s.delete(key); }).then(changed); }
  function get(key) { return store("readonly", function (s) { return s.get(key); }); }
  function list() {
    return store("readonly", function (s) { return s.getAll(); }).then(function (all) {
      return all.filter(function (e) { return e.user === USER; })
        .sort(function (a, b) { return a.queued_at < b.queued_at ? -1 : a.queued_at > b.queued_at ? 1 : 0; });
    });
  }
  function changed() { if (channel) channel.postMessage("changed"); }

  // One sender at a time across this user's tabs (a second one would only repeat keys, but noisily).
  function exclusive(task) {
    return navigator.locks ? navigator.locks.request("openrvu-outbox", task) : task();
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "o" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function keyInput() { return form.querySelector("input[name=idempotency_key]"); }
  function token() {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  // The entry the form describes, with the form's key (set fresh on load and after each entry).
  function readForm() {
    var el = form.elements;
    return {
      key: keyInput().value,
      user: USER,
      hcpcs: el.hcpcs.value.trim().toUpperCase(),
      modifiers: Array.prototype.filter.call(form.querySelectorAll("input[name=modifiers]"), function (box) {
        return box.checked;
      }).map(function (box) { return box.value; }),
      units: el.units.value.trim(),
      pos: el.pos.value,
      date_of_service: el.date_of_service.value,
      same_patient: !!(el.same_patient && el.same_patient.checked),
      queued_at: new Date().toISOString(),
      error: null,
    };
  }
  function label(entry) {
    var mods = entry.modifiers.map(function (m) { return "-" + m; }).join("");
    return (entry.hcpcs || "(no code)") + mods + (String(entry.units) !== "1" ? " ×" + entry.units : "");
  }

  // --- Sending: the JSON API with the session cookie and the page's CSRF token ---
  function post(entry) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS);
    return fetch("/api/log", {
      method: "POST",
      credentials: "same-origin",
      signal: controller.signal,
      // x-openrvu-outbox: the entry was typed on this page, so the server stores it as "web", not "api"
      headers: {
        "content-type": "application/json", accept: "application/json", "x-csrf-token": token(), "x-openrvu-outbox": "1",
      },
      body: JSON.stringify({
        date_of_service: entry.date_of_service,
        hcpcs: entry.hcpcs,
        modifiers: entry.modifiers,
        units: entry.units,
        pos: entry.pos || null,
        same_patient: !!entry.same_patient,
        idempotency_key: entry.key,
      }),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    }, function () {
      return { status: 0, body: {} }; // no answer: offline, dropped, or timed out
    }).finally(function () { clearTimeout(timer); });
  }

  // sent (deleted: it had arrived, and its line was deleted since) | invalid (the server refused the
  // entry itself) | signin | retry (try again later)
  function outcome(result) {
    var s = result.status;
    if (s >= 200 && s < 300) return { kind: "sent", id: result.body.id, deleted: result.body.deleted === true };
    if (s === 401) return { kind: "signin" };
    if (s === 0 || s === 403 || s === 408 || s === 429 || s >= 500) return { kind: "retry" };
    return { kind: "invalid", message: reason(result) };
  }
  function reason(result) {
    var body = result.body || {};
    var detail = body.detail;
    if (detail && detail.errors) {
      return Object.keys(detail.errors).map(function (f) { return (FIELD_NAMES[f] || f) + ": " + detail.errors[f]; }).join("; ");
    }
    if (Array.isArray(body.errors)) {
      return body.errors.map(function (e) { return (FIELD_NAMES[e.field] || e.field) + ": " + e.message; }).join("; ");
    }
    if (typeof detail === "string") return detail;
    return "The server refused this line (HTTP " + result.status + ").";
  }

  // A 403 is the CSRF check: the page's token is stale (a saved copy, a restarted browser). Fetch the
  // log page once for a fresh token and send again with the same key.
  function deliver(entry) {
    return post(entry).then(function (result) {
      if (result.status !== 403) return outcome(result);
      return freshPage().then(function (doc) {
        adoptToken(doc);
        return post(entry).then(outcome);
      }, function () { return { kind: "retry" }; });
    });
  }

  // The log page as the server sends it now (its token, whose page it is); rejects with "signin" when the
  // session has ended, with "offline" when only the worker's saved copy (or nothing) came back.
  function freshPage() {
    return fetch("/log", { credentials: "same-origin", headers: { accept: "text/html" } }).then(function (response) {
      if (response.redirected && new URL(response.url).pathname === "/signin") throw new Error("signin");
      if (!response.ok || response.redirected) throw new Error("offline");
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      if (doc.querySelector("main[data-offline-copy]")) throw new Error("offline");
      return doc;
    });
  }
  function adoptToken(doc) {
    var fresh = doc.querySelector("#log-form input[name=csrf_token]");
    if (!fresh) return;
    document.querySelectorAll("input[name=csrf_token]").forEach(function (input) { input.value = fresh.value; });
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRF-Token": fresh.value }));
  }
  // After queued entries arrive, the "Latest lines" card is reloaded so they show as logged.
  function refreshLog() {
    return freshPage().then(function (doc) {
      var current = document.getElementById("today");
      var fresh = doc.getElementById("today");
      if (current && fresh) current.replaceWith(document.importNode(fresh, true));
      adoptToken(doc);
    }).catch(function () { /* the lines refresh on the next visit */ });
  }

  // Send the given entries oldest first; a refused one is marked and skipped, a failure stops the round.
  function sendAll(waiting) {
    var sent = 0;
    var deleted = 0;
    var step = function (i) {
      if (i >= waiting.length) return Promise.resolve("done");
      return get(waiting[i].key).then(function (entry) {
        if (!entry || entry.error) return step(i + 1); // another tab sent or discarded it
        return deliver(entry).then(function (result) {
          if (result.kind === "sent") {
            if (result.deleted) deleted += 1;
            else sent += 1;
            return remove(entry.key).then(function () { return step(i + 1); });
          }
          if (result.kind === "invalid") {
            entry.error = result.message;
            return put(entry).then(function () { return step(i + 1); });
          }
          return result.kind;
        });
      });
    };
    return step(0).then(function (stop) { return { sent: sent, deleted: deleted, stop: stop }; });
  }

  // Send every waiting entry of this user, oldest first; stop at the first one that cannot be sent now.
  function flush() {
    if (flushing) return flushing;
    if (navigator.onLine === false) return render();
    clearTimeout(retryTimer);
    flushing = exclusive(function () {
      return list().then(function (entries) {
        var waiting = entries.filter(function (e) { return !e.error; });
        if (!waiting.length) return { sent: 0, stop: "done" };
        // Whose session is it now? This page may be a saved copy, or someone else may have signed in
        // since: lines are only ever sent as the account that made them.
        return freshPage().then(function (doc) {
          var owner = doc.getElementById("outbox");
          if (!owner || owner.getAttribute("data-outbox-user") !== USER) return { sent: 0, stop: "other" };
          adoptToken(doc);
          return sendAll(waiting);
        }, function (error) {
          return { sent: 0, stop: error.message === "signin" ? "signin" : "retry" };
        });
      });
    }).then(function (result) {
      if (result.sent || result.deleted) say(sentMessage(result.sent, result.deleted));
      if (result.sent) {
        return refreshLog().then(function () { return result; });
      }
      return result;
    }).then(function (result) {
      if (result.stop === "retry") scheduleRetry();
      else retryDelay = RETRY_FIRST_MS;
      if (result.stop === "signin") say("Sign in again to send the waiting lines: they are kept on this device.", true);
      if (result.stop === "other") say("Another account is signed in now: reload this page. The waiting lines stay on this device for the account that made them.", true);
    }).catch(function () {
      scheduleRetry();
    }).finally(function () {
      flushing = null;
      return render();
    });
    return flushing;
  }
  // "2 waiting lines were sent; 1 had already arrived and was deleted since: not logged again."
  function sentMessage(sent, deleted) {
    var gone = (deleted === 1 ? "had already arrived and was" : "had already arrived and were") +
      " deleted since: not logged again.";
    if (!sent) return waitingLines(deleted) + " " + gone;
    var message = waitingLines(sent) + (sent === 1 ? " was sent" : " were sent");
    return deleted ? message + "; " + deleted + " " + gone : message + ".";
  }
  function waitingLines(n) { return n === 1 ? "1 waiting line" : n + " waiting lines"; }
  function scheduleRetry() {
    clearTimeout(retryTimer);
    // Jitter spreads the retries of many phones coming back on the same wifi.
    retryTimer = setTimeout(flush, retryDelay * (0.8 + Math.random() * 0.4));
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  // --- The page ---
  function say(message, warn) {
    if (!status) return;
    status.textContent = message;
    status.classList.toggle("warn", !!warn);
    status.hidden = !message;
  }

  function render() {
    return list().then(function (entries) {
      var n = entries.length;
      count.textContent = n + " waiting to send";
      section.hidden = n === 0 && !(status && status.textContent);
      lines.hidden = n === 0;
      lines.replaceChildren.apply(lines, entries.map(row));
    }).catch(function () { /* IndexedDB unavailable (private mode): nothing is queued */ });
  }

  function row(entry) {
    var li = document.createElement("li");
    li.className = "queued" + (entry.error ? " refused" : "");
    li.setAttribute("data-key", entry.key);
    var meta = document.createElement("div");
    meta.className = "meta";
    var code = document.createElement("code");
    var strong = document.createElement("strong");
    strong.textContent = label(entry);
    code.appendChild(strong);
    var when = document.createElement("span");
    when.className = "muted small";
    when.textContent = " " + entry.date_of_service + " · POS " + entry.pos + (entry.same_patient ? " · same patient" : "");
    var state = document.createElement("div");
    state.className = "queued-state";
    if (entry.error) {
      state.setAttribute("role", "alert");
      state.textContent = "Not accepted: " + entry.error;
    } else {
      state.textContent = "Waiting to send";
    }
    meta.append(code, when, state);
    li.appendChild(meta);
    if (entry.error) li.append(button("Fix", "secondary", function () { fix(entry); }),
      button("Discard", "danger", function () { discard(entry); }));
    return li;
  }
  function button(text, kind, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = kind;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  // Put a refused entry back in the form, same key; it stays in the outbox until sent or discarded.
  function fix(entry) {
    var el = form.elements;
    el.hcpcs.value = entry.hcpcs;
    form.querySelectorAll("input[name=modifiers]").forEach(function (box) {
      box.checked = entry.modifiers.indexOf(box.value) >= 0;
    });
    el.units.value = entry.units;
    el.date_of_service.value = entry.date_of_service;
    el.pos.value = entry.pos;
    if (el.same_patient) el.same_patient.checked = !!entry.same_patient;
    keyInput().value = entry.key;
    form.setAttribute("data-fixing", entry.key);
    say("Correct " + label(entry) + " above and log it again.");
    el.hcpcs.focus();
  }
  function discard(entry) {
    if (form.getAttribute("data-fixing") === entry.key) resetForm();
    remove(entry.key).then(function () {
      say("Discarded " + label(entry) + ": it was never logged.");
      return render();
    });
  }

  // Ready for the next entry: a new key, the code cleared, date and place of service kept.
  function resetForm() {
    var el = form.elements;
    keyInput().value = newKey();
    form.removeAttribute("data-fixing");
    el.hcpcs.value = "";
    form.querySelectorAll("input[name=modifiers]").forEach(function (box) { box.checked = false; });
    el.units.value = "1";
    if (el.same_patient) el.same_patient.checked = false;
    var picked = document.getElementById("picked-code");
    if (picked) picked.hidden = true;
    var submit = form.querySelector("button[type=submit]");
    setTimeout(function () { if (submit) submit.disabled = false; }, 0);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var entry = readForm();
    var fixing = form.getAttribute("data-fixing") === entry.key;
    say("Sending " + label(entry) + "…");
    exclusive(function () {
      // Stored before the first attempt: a closed tab or a dead battery mid-request loses nothing.
      return put(entry).then(function () {
        // A saved copy of the page may belong to a session that has ended: flush() checks first.
        var direct = navigator.onLine !== false && !document.querySelector("main[data-offline-copy]");
        return direct ? deliver(entry) : { kind: "queued" };
      }).then(function (result) {
        if (result.kind === "sent") {
          return remove(entry.key).then(function () { location.assign("/log?added=" + result.id); });
        }
        if (result.kind === "invalid" && !fixing) {
          // Online and refused: the server's own page shows the errors beside the fields, as without JS.
          return remove(entry.key).then(function () { HTMLFormElement.prototype.submit.call(form); });
        }
        if (result.kind === "invalid") {
          entry.error = result.message;
          return put(entry).then(function () { say("Not accepted: " + result.message, true); resetForm(); });
        }
        say(
          result.kind === "signin"
            ? "Saved on this device: " + label(entry) + ". Sign in again to send it."
            : "No connection: " + label(entry) + " is saved on this device and will be sent when the connection returns.",
          true
        );
        resetForm();
        if (result.kind === "retry") scheduleRetry();
        return result.kind;
      });
    }).then(function (kind) {
      if (kind === "queued") flush(); // outside the lock, which flush() takes itself
    }, function () {
      // This device cannot keep it (no IndexedDB space, private mode): post the form as without
      // JavaScript. The same key makes that safe even if the line was already stored.
      HTMLFormElement.prototype.submit.call(form);
    }).finally(render);
  });

  window.addEventListener("online", function () { retryDelay = RETRY_FIRST_MS; flush(); });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") flush(); });
  if (channel) channel.onmessage = function () { render(); };

  var offlineCopy = document.querySelector("main[data-offline-copy]");
  if (offlineCopy) {
    var flash = document.getElementById("flash");
    if (flash) flash.remove();
    var saved = new Date(offlineCopy.getAttribute("data-offline-copy"));
    say("Offline: this is the log as saved " + (isNaN(saved) ? "earlier" : "on " + saved.toLocaleString()) +
      ". New lines wait here and are sent when the connection returns.", true);
  }
  keyInput().value = newKey(); // a saved copy of the page would otherwise reuse one key for every entry
  render().then(flush);
})();
