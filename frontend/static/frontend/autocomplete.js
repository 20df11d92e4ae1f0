// Turns long pickers into GOV.UK's accessible autocomplete. Two kinds of <select>:
// - data-app-autocomplete="URL" (includes/autocomplete_field.html): lists that grow with the
//   casework (young people, persons, places). Suggestions come from the server as the user
//   types (URL&q=…), so the list is never sent whole and need-to-know applies to every answer.
// - data-app-autocomplete-options (includes/select_field.html): lists bounded by the
//   partnership's staff (people, agencies, areas), already whole in the page: typing filters
//   the select's own options.
// The select stays in the form, hidden, and carries the value posted; without scripts it is
// the picker itself.
import "../vendor/accessible-autocomplete/accessible-autocomplete.min.js";

const { accessibleAutocomplete } = window;

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const COMMON = {
  minLength: 1,
  autoselect: false,
  confirmOnBlur: false,
  showNoOptionsFound: true,
  tNoResults: () => "No record found",
};

function chosenLabel(select) {
  const chosen = select.selectedOptions[0];
  return chosen && chosen.value ? chosen.textContent : "";
}

// Emptying the box clears the choice, rather than posting what was picked before.
function clearWhenEmptied(select) {
  const input = document.getElementById(select.id.replace(/-select$/, ""));
  input?.addEventListener("input", () => {
    if (!input.value) select.value = "";
  });
}

function fromServer(select) {
  const url = new URL(select.dataset.appAutocomplete, window.location.href);
  let pending = null;
  accessibleAutocomplete.enhanceSelectElement({
    ...COMMON,
    selectElement: select,
    defaultValue: chosenLabel(select),
    source(query, populate) {
      pending?.abort();
      pending = new AbortController();
      url.searchParams.set("q", query);
      fetch(url, { headers: { Accept: "application/json" }, signal: pending.signal })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((body) => populate(body.results))
        .catch(() => {}); // a newer query replaced this one, or the network failed: no list
    },
    templates: {
      inputValue: (result) => (result ? result.label : ""),
      suggestion: (result) => escape(typeof result === "string" ? result : result.label),
    },
    onConfirm(result) {
      if (!result) return;
      let option = [...select.options].find((o) => o.value === result.value);
      if (!option) {
        option = new Option(result.label, result.value);
        select.add(option);
      }
      option.selected = true;
    },
  });
  clearWhenEmptied(select);
}

function fromOptions(select) {
  accessibleAutocomplete.enhanceSelectElement({
    ...COMMON,
    selectElement: select,
    defaultValue: chosenLabel(select),
    showAllValues: true,
    tNoResults: () => "None found",
  });
  clearWhenEmptied(select);
}

for (const select of document.querySelectorAll("select[data-app-autocomplete]")) {
  fromServer(select);
}
for (const select of document.querySelectorAll("select[data-app-autocomplete-options]")) {
  fromOptions(select);
}
