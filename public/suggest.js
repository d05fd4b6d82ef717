// Suggestions as you type for the search fields: titles and writers from the server's
// search_suggestions function, in the field's own <datalist> (the browser's suggestion list,
// keyboard and screen-reader friendly). A progressive enhancement of a few hundred bytes:
// without it the fields are plain search forms.
for (const field of document.querySelectorAll('input[data-suggest]')) {
  const list = document.getElementById(field.getAttribute('list'));
  let timer;
  let latest = 0;
  field.addEventListener('input', () => {
    clearTimeout(timer);
    const q = field.value.trim();
    const ticket = ++latest;
    if (q.length < 2) {
      list.replaceChildren();
      return;
    }
    // Ask once the typing pauses; only the newest answer is shown.
    timer = setTimeout(async () => {
      try {
        const answer = await fetch(`/sfn/search_suggestions?q=${encodeURIComponent(q)}`, {
          headers: { Accept: 'application/json' },
        });
        if (!answer.ok) return;
        const offered = await answer.json();
        if (ticket !== latest) return;
        list.replaceChildren(...offered.map((text) => {
          const option = document.createElement('option');
          option.value = text;
          return option;
        }));
      } catch {
        // Offline or refused: the field stays a plain search field.
      }
    }, 150);
  });
}
