// The finding form keeps what is typed in this browser (localStorage) until the server has saved
// it, so that no text is lost when the connection drops on site while saving.
//
// - A form with data-finding-draft="<key>" writes its fields to localStorage[key] on every input.
// - On load, a stored draft that differs from the form is offered back: the hidden
//   [data-finding-draft-offer] box shows "Restore the unsaved draft from HH:MM".
// - A draft is cleared only by the page a successful save leads to: it carries
//   data-finding-draft-saved="<key>". Submitting the form clears nothing.
"use strict";

(() => {
  const storage = (() => {
    try {
      const probe = "finding-draft:probe";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch {
      return null; // private mode or storage disabled: the form works as without JavaScript
    }
  })();
  if (!storage) {
    return;
  }

  for (const saved of document.querySelectorAll("[data-finding-draft-saved]")) {
    storage.removeItem(saved.dataset.findingDraftSaved);
  }

  const form = document.querySelector("form[data-finding-draft]");
  if (!form) {
    return;
  }
  const key = form.dataset.findingDraft;
  const SKIPPED = new Set(["file", "submit", "button", "reset", "hidden", "password"]);

  const fields = () =>
    Array.from(form.elements).filter((el) => el.name && !SKIPPED.has(el.type) && !el.disabled);

  function read() {
    const values = {};
    for (const el of fields()) {
      if (el.type === "checkbox" || el.type === "radio") {
        values[el.name] = values[el.name] || [];
        if (el.checked) {
          values[el.name].push(el.value);
        }
      } else if (el.multiple) {
        values[el.name] = Array.from(el.selectedOptions, (option) => option.value);
      } else {
        values[el.name] = el.value;
      }
    }
    return values;
  }

  function write(values) {
    for (const el of fields()) {
      if (!(el.name in values)) {
        continue;
      }
      const value = values[el.name];
      const chosen = [].concat(value);
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = chosen.includes(el.value);
      } else if (el.multiple) {
        for (const option of el.options) {
          option.selected = chosen.includes(option.value);
        }
      } else {
        el.value = value;
      }
    }
  }

  function load() {
    try {
      const draft = JSON.parse(storage.getItem(key));
      return draft && typeof draft.values === "object" && draft.values ? draft : null;
    } catch {
      return null;
    }
  }

  function save() {
    try {
      storage.setItem(key, JSON.stringify({ savedAt: Date.now(), values: read() }));
    } catch {
      // storage full: nothing more can be kept
    }
  }

  function hhmm(timestamp) {
    const at = new Date(timestamp);
    return `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
  }

  const same = (a, b) => {
    const names = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...names].every((name) => JSON.stringify(a[name] ?? "") === JSON.stringify(b[name] ?? ""));
  };

  const offer = document.querySelector("[data-finding-draft-offer]");
  const draft = load();
  let offered = false;
  if (offer && draft && !same(draft.values, read())) {
    const restore = offer.querySelector("[data-finding-draft-restore]");
    const discard = offer.querySelector("[data-finding-draft-discard]");
    restore.textContent = restore.dataset.label.replace("{time}", hhmm(draft.savedAt));
    offer.hidden = false;
    offered = true;
    restore.addEventListener("click", () => {
      write(draft.values);
      offer.hidden = true;
      offered = false;
      save();
      form.querySelector("textarea, input:not([type=hidden]), select")?.focus();
    });
    discard.addEventListener("click", () => {
      storage.removeItem(key);
      offer.hidden = true;
      offered = false;
    });
  }

  const typed = () => {
    if (offered) {
      offer.hidden = true; // typing afresh: this text is now the draft
      offered = false;
    }
    save();
  };
  form.addEventListener("input", typed);
  form.addEventListener("change", typed);
})();
