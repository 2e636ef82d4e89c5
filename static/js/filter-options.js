/* A long list chosen by typing: before each <select data-filter="…"> a search box hides the
   options (and the groups left empty) that do not contain every word typed, accents and case
   aside; before a list of check boxes marked data-filter, it hides their lines the same way. The
   choice stays the form's own, so the form is the same without JavaScript; a chosen option is
   never hidden, and the number of matches is read out (data-filter-matches). */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(select) {
    if (select.dataset.filterReady || !select.id) {
      return;
    }
    select.dataset.filterReady = "true";
    var input = document.createElement("input");
    input.type = "search";
    input.id = select.id + "-filter";
    input.className = "form-control form-control-sm mb-1";
    input.placeholder = select.dataset.filter;
    input.autocomplete = "off";
    input.setAttribute("aria-label", select.dataset.filter);
    input.setAttribute("aria-controls", select.id);
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(status, select);
    var texts = Array.prototype.map.call(select.options, function (option) {
      return fold(option.text);
    });
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(select.options, function (option, index) {
        var keep = option.selected || option.value === "" || words.every(function (word) {
          return texts[index].indexOf(word) !== -1;
        });
        option.hidden = !keep;
        if (keep && option.value !== "") {
          shown += 1;
        }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (option) {
          return !option.hidden;
        });
      });
      status.textContent = words.length ? (select.dataset.filterMatches || "%(n)s").replace("%(n)s", shown) : "";
    });
  }

  function searchBox(label, controls) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "form-control form-control-sm mb-1";
    input.placeholder = label;
    input.autocomplete = "off";
    input.setAttribute("aria-label", label);
    if (controls) {
      input.setAttribute("aria-controls", controls);
    }
    return input;
  }

  function enhanceBoxes(first) {
    var list = first.closest("fieldset") || first.closest("[id^='div_id_']");
    if (!list || list.dataset.filterReady) {
      return;
    }
    list.dataset.filterReady = "true";
    var lines = Array.prototype.filter.call(list.querySelectorAll(".form-check"), function (line) {
      return line.querySelector("input[type=checkbox]");
    });
    var input = searchBox(first.dataset.filter, null);
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    var anchor = list.querySelector("legend, label:not(.form-check-label)");
    var place = anchor ? anchor.nextSibling : list.firstChild;
    list.insertBefore(input, place);
    list.insertBefore(status, place);
    var texts = lines.map(function (line) {
      return fold(line.textContent);
    });
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      lines.forEach(function (line, index) {
        var keep = line.querySelector("input").checked || words.every(function (word) {
          return texts[index].indexOf(word) !== -1;
        });
        line.hidden = !keep;
        shown += keep ? 1 : 0;
      });
      status.textContent = words.length ? (first.dataset.filterMatches || "%(n)s").replace("%(n)s", shown) : "";
    });
  }

  function enhanceAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select[data-filter]"), enhance);
    Array.prototype.forEach.call(root.querySelectorAll("input[type=checkbox][data-filter]"), enhanceBoxes);
  }

  enhanceAll(document);
  document.addEventListener("htmx:afterSwap", function (event) {
    enhanceAll(event.target);
  });
})();
