// The page's service worker: the page opens without the network (on a phone's home
// screen, on a bad Wi-Fi), and loads at once. The relay fills in, when it is built, the
// versioned URLs of the page's files with "/" (__LOFT_ASSETS__) and a version over all
// of them (__LOFT_VERSION__): a new relay is a new worker with a new cache, and the
// old cache goes when it takes over. Nothing of the API is cached: messages are read
// from the relay, and the room key never reaches this worker.

const VERSION = '__LOFT_VERSION__';
const CACHE = `loft-${VERSION}`;
const ASSETS = __LOFT_ASSETS__;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('loft-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/assets/')) {
    // Versioned files never change: the cache first.
    event.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
  } else if (url.pathname === '/' || url.pathname === '/index.html') {
    // The page: the relay's when it answers (a new version shows at once), else the
    // cached one.
    event.respondWith(
      fetch(req)
        .then((resp) => {
          if (resp.ok) {
            const copy = resp.clone();
            caches.open(CACHE).then((c) => c.put('/', copy));
          }
          return resp;
        })
        .catch(() => caches.match('/').then((hit) => hit || Response.error())),
    );
  }
});
