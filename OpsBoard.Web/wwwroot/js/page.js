// Behaviour every page may use, kept out of the markup: the Content-Security-Policy allows no inline handlers.
// <button data-print> prints the page; <a data-back> goes back one step in the history.
document.addEventListener('click', event => {
    const target = event.target instanceof Element ? event.target.closest('[data-print], [data-back]') : null;
    if (!target) {
        return;
    }
    event.preventDefault();
    if (target.hasAttribute('data-print')) {
        window.print();
    } else {
        history.back();
    }
});
