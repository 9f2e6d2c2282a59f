// The registration form. Its first submit button is 查询此人, so Enter in a field runs the look-up and never the
// registration (an ID-card reader types the number and then Enter): plain HTML, working without this file.
// In a field that is not a look-up field (a representative's ID number, the headcount, a checkbox) a look-up would be
// a surprise: there Enter moves on to the next field, as the reader's Enter expects. An IME's Enter only ends the
// composition of a Chinese name and is left alone.
(() => {
  const form = document.querySelector("form[data-desk-register]");
  if (!form) {
    return;
  }

  form.addEventListener("keydown", event => {
    const field = event.target;
    if (event.key !== "Enter" || event.isComposing || !(field instanceof HTMLInputElement) || field.hasAttribute("data-lookup")) {
      return;
    }

    event.preventDefault();
    const fields = [...form.querySelectorAll("input:not([type=hidden]), select, textarea, button, summary")]
      .filter(el => !el.disabled && el.getClientRects().length > 0);
    fields[fields.indexOf(field) + 1]?.focus();
  });
})();
