/* A long list chosen by typing: before each <select data-filter="…"> a search box hides the
   options (and the groups left empty) that do not contain every word typed, accents and case
   aside. The choice stays the select's own, so the form is the same without JavaScript; a chosen
   option is never hidden, and the number of matches is read out (data-filter-matches). */
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

  function enhanceAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select[data-filter]"), enhance);
  }

  enhanceAll(document);
  document.addEventListener("htmx:afterSwap", function (event) {
    enhanceAll(event.target);
  });
})();
