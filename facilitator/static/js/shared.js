// The shared modules of the participant pages (translations, the self-healing socket, the
// server clock and the words for events), imported from their versioned address, which the
// page gives in data-shared-js: so they are cached with the rest of the shared files.

const base = document.body.dataset.sharedJs;

export const { t, clock, has, lang, squareName } = await import(`${base}i18n.js`);
export const { Connection } = await import(`${base}connection.js`);
export const { ServerClock, describe } = await import(`${base}status.js`);
