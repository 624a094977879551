// Data-entry forms checked while the user types (landrelease).
//
// A form with data-validate="/api/validate/LAYER" sends its values (as text,
// a name sent twice joined with commas) to that endpoint 300 ms after the last
// input or change. The server answers with the importer's own issues for the
// record (nothing is written); each message is shown next to its field
// (an element with data-msg-for="FIELD") and all of them in the form's
// .live-summary. Nothing is disabled: the server checks again when the form
// is posted, and only it decides.
//
// "missing" messages wait until the user has touched the field (or posted the
// form once), so an empty form is not covered in red.
//
// Rows with data-show-when="NAME=VALUE" are shown only while that radio
// button or select has that value (the activity's geometry source).
"use strict";

(function () {
  const DELAY_MS = 300;

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function formValues(form) {
    const out = {};
    new FormData(form).forEach(function (value, key) {
      if (key === "csrf_token" || typeof value !== "string") {
        return;
      }
      if (key in out) {
        out[key] = [out[key], value].filter(function (v) { return v !== ""; }).join(",");
      } else {
        out[key] = value;
      }
    });
    return out;
  }

  function messageText(issue) {
    let text = issue.problem;
    if (issue.value) {
      text += " — found " + issue.value;
    }
    if (issue.accepted) {
      text += " (accepted: " + issue.accepted + ")";
    }
    return text;
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) {
      node.className = cls;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function fieldNames(field) {
    return field.split(/[\s,]+/).filter(Boolean);
  }

  function setupToggles(form) {
    const rows = form.querySelectorAll("[data-show-when]");
    if (!rows.length) {
      return;
    }
    function apply() {
      rows.forEach(function (row) {
        const rule = row.getAttribute("data-show-when").split("=");
        const chosen = form.querySelector('[name="' + rule[0] + '"]:checked') ||
          form.querySelector('select[name="' + rule[0] + '"]');
        row.hidden = !chosen || chosen.value !== rule[1];
      });
    }
    form.addEventListener("change", apply);
    apply();
  }

  function setup(form) {
    const url = form.getAttribute("data-validate");
    const summary = form.querySelector(".live-summary");
    const spans = {};
    form.querySelectorAll("[data-msg-for]").forEach(function (span) {
      spans[span.getAttribute("data-msg-for")] = span;
    });
    const touched = {};
    let everything = form.hasAttribute("data-posted");
    let timer = null;
    let sent = 0;
    let shown = 0;

    function isTouched(field) {
      return everything || fieldNames(field).some(function (n) { return touched[n]; });
    }

    function mark(field, invalid) {
      fieldNames(field).forEach(function (name) {
        form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
          if (invalid) {
            input.setAttribute("aria-invalid", "true");
          } else {
            input.removeAttribute("aria-invalid");
          }
        });
      });
    }

    function showSummary(data) {
      if (!summary) {
        return;
      }
      summary.textContent = "";
      const head = data.errors
        ? data.errors + (data.errors === 1 ? " error" : " errors")
        : "No error: the record can be saved";
      const tail = data.warnings
        ? ", " + data.warnings + (data.warnings === 1 ? " warning" : " warnings")
        : "";
      summary.appendChild(el("p", data.errors ? "summary-errors" : "summary-ok", head + tail + "."));
      if (!data.issues.length) {
        return;
      }
      const list = el("ul", "issues-live");
      data.issues.forEach(function (issue) {
        const item = el("li", "msg-" + issue.severity);
        item.appendChild(el("strong", "", (issue.field || "record") + ": "));
        item.appendChild(document.createTextNode(messageText(issue)));
        list.appendChild(item);
      });
      summary.appendChild(list);
    }

    function show(data) {
      Object.keys(spans).forEach(function (field) {
        spans[field].textContent = "";
        mark(field, false);
      });
      data.issues.forEach(function (issue) {
        const span = spans[issue.field];
        const missing = issue.problem.indexOf("missing") === 0;
        if (!span || (missing && !isTouched(issue.field))) {
          return;
        }
        span.appendChild(el("span", "msg msg-" + issue.severity, messageText(issue)));
        if (issue.severity === "error") {
          mark(issue.field, true);
        }
      });
      showSummary(data);
    }

    function showFailure(text) {
      if (summary) {
        summary.textContent = "";
        summary.appendChild(el("p", "summary-errors", text));
      }
    }

    function check() {
      const mine = ++sent;
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRF-Token": csrfToken(),
        },
        body: JSON.stringify(formValues(form)),
      })
        .then(function (response) {
          return response.json().then(function (body) {
            return { status: response.status, body: body };
          });
        })
        .then(function (answer) {
          if (mine < shown) {
            return; // an older answer arriving after a newer one
          }
          shown = mine;
          if (answer.status === 200) {
            show(answer.body);
          } else {
            showFailure("Not checked: " + (answer.body.detail || answer.status));
          }
          form.setAttribute("data-checks", String(mine));
        })
        .catch(function () {
          showFailure("Not checked: the server did not answer. The form is checked again when posted.");
        });
    }

    function schedule(event) {
      if (event && event.target && event.target.name) {
        touched[event.target.name] = true;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(check, DELAY_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function () {
      everything = true;
      window.clearTimeout(timer);
    });
    form.setAttribute("data-live", "ready");
  }

  function start() {
    document.querySelectorAll("form").forEach(setupToggles);
    document.querySelectorAll("form[data-validate]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
