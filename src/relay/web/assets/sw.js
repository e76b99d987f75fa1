// Loft's service worker: the page opens without the network (the app shell from a cache
// named after the relay's version), and phones show notifications (Android Chrome shows
// them only through a service worker). No push service: notifications come while the
// browser keeps the page alive (docs/web.md "The page as an app").
//
// The relay fills in the two names below when it builds: the hash of all the page's files
// (a new relay version is a new worker, which the page offers to load) and their
// versioned URLs.

const VERSION = '__LOFT_VERSION__';
const SHELL = __LOFT_ASSETS__;
const CACHE = `loft-${VERSION}`;

self.addEventListener('install', (ev) => {
  // Not skipWaiting(): the open page shows "new version — reload", and the new worker
  // takes over when the person says so (the message below) or the tabs close.
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)));
});

self.addEventListener('message', (ev) => {
  if (ev.data === 'take-over') self.skipWaiting();
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil((async () => {
    for (const k of await caches.keys()) if (k.startsWith('loft-') && k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname.startsWith('/assets/')) {
    // Versioned URLs never change: the cache first.
    ev.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
  } else if (req.mode === 'navigate' && url.pathname === '/') {
    // The page itself from the relay when it answers (a new version shows at once),
    // else the cached one: the shell, which says it is offline, not the browser's error.
    ev.respondWith(fetch(req).catch(async () => (await caches.match('/', { ignoreSearch: true }))
      || new Response('Loft is offline and this page was never cached.', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })));
  }
});

self.addEventListener('notificationclick', (ev) => {
  ev.notification.close();
  const room = ev.notification.data && ev.notification.data.room;
  ev.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const page = pages[0];
    if (page) {
      page.postMessage({ type: 'open-room', room });
      return page.focus();
    }
    return self.clients.openWindow(room ? `/#room=${encodeURIComponent(room)}` : '/');
  })());
});
