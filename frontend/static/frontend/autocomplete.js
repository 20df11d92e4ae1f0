// Turns each <select data-app-autocomplete="URL"> (includes/autocomplete_field.html) into
// GOV.UK's accessible autocomplete. Suggestions come from the server as the user types
// (URL&q=…), so a long list is never sent whole and need-to-know applies to every answer.
// The select stays in the form, hidden, and carries the value posted; without scripts it is
// the picker itself.
import "../vendor/accessible-autocomplete/accessible-autocomplete.min.js";

const { accessibleAutocomplete } = window;

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function enhance(select) {
  const url = new URL(select.dataset.appAutocomplete, window.location.href);
  const chosen = select.selectedOptions[0];
  let pending = null;
  accessibleAutocomplete.enhanceSelectElement({
    selectElement: select,
    defaultValue: chosen && chosen.value ? chosen.textContent : "",
    minLength: 1,
    autoselect: false,
    confirmOnBlur: false,
    showNoOptionsFound: true,
    tNoResults: () => "No record found",
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
  // Emptying the box clears the choice, rather than posting what was picked before.
  const input = document.getElementById(select.id.replace(/-select$/, ""));
  input?.addEventListener("input", () => {
    if (!input.value) select.value = "";
  });
}

for (const select of document.querySelectorAll("select[data-app-autocomplete]")) {
  enhance(select);
}
