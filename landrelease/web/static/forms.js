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
//
// A row with data-hazard-search="URL" holds a hazard selector (an ARIA combobox):
// what the user types is sent to URL?q=… 200 ms after the last key; the matches
// are listed, chosen with the arrow keys and Enter or a click. The input keeps
// the code typed, so without this script it is a plain text field the server
// checks. A choice fires "hazard-chosen" on the form with the hazard's bounding
// box, which the form's map (form-map.js) centres on.
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

    // a field as its label names it ("Area cleared (ha)"), else as the server names it
    function fieldWords(field) {
      const first = fieldNames(field || "")[0];
      const label = first && form.querySelector('label[for="f-' + first + '"]');
      if (!label) {
        return field || "record";
      }
      return label.textContent.replace(/\s*\*\s*$/, "").replace(/\s+/g, " ").trim();
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
        item.appendChild(el("strong", "", fieldWords(issue.field) + ": "));
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

  function setupHazardPicker(row) {
    const url = row.getAttribute("data-hazard-search");
    const input = row.querySelector("input[role=combobox]");
    const list = row.querySelector("[role=listbox]");
    const chosen = row.querySelector(".hazard-chosen");
    const form = input.form;
    let timer = null;
    let asked = 0;
    let matches = [];
    let active = -1;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      const items = list.querySelectorAll("[role=option]");
      items.forEach(function (item, k) { item.setAttribute("aria-selected", k === i ? "true" : "false"); });
      active = i;
      if (i >= 0 && items[i]) {
        input.setAttribute("aria-activedescendant", items[i].id);
        items[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(h) {
      input.value = h.hazard_id;
      chosen.textContent = h.label;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
      form.dispatchEvent(new CustomEvent("hazard-chosen", { detail: h }));
    }

    function render(answer) {
      list.textContent = "";
      matches = answer.hazards;
      matches.forEach(function (h, i) {
        const item = el("li", "", h.label);
        item.id = "hazard-option-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the input
          choose(h);
        });
        list.appendChild(item);
      });
      if (!matches.length) {
        const none = el("li", "none", "No open hazard matches “" + answer.query + "”.");
        none.setAttribute("role", "option");
        none.setAttribute("aria-disabled", "true");
        none.id = "hazard-option-none";
        list.appendChild(none);
      } else if (answer.total > matches.length) {
        const more = el("li", "more", (answer.total - matches.length) + " more: type more of the code.");
        more.setAttribute("role", "option");
        more.setAttribute("aria-disabled", "true");
        more.id = "hazard-option-more";
        list.appendChild(more);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }

    function search() {
      const q = input.value.trim();
      if (!q) {
        close();
        return;
      }
      const mine = ++asked;
      fetch(url + "?" + new URLSearchParams({ q: q, limit: "10" }), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) {
          if (answer && mine === asked && document.activeElement === input) {
            render(answer);
          }
        })
        .catch(function () { /* the server checks the code typed when the form is posted */ });
    }

    input.addEventListener("input", function () {
      chosen.textContent = "";
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) {
          search();
          return;
        }
        event.preventDefault();
        const n = matches.length;
        if (n) {
          highlight(event.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
        }
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault(); // choose, do not post the form
        choose(matches[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  function start() {
    document.querySelectorAll("[data-hazard-search]").forEach(setupHazardPicker);
    document.querySelectorAll("form").forEach(setupToggles);
    document.querySelectorAll("form[data-validate]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
