// The admin "Knowledge" page: upload documents, add Q&A pairs, follow ingestion progress, remove sources,
// label missed questions. Each part is a module under ./knowledge/; this one starts them. Everything from
// the server is written with textContent (never innerHTML), so titles and errors stay text.
import { loadMisses, missesSection, wireMisses } from './knowledge/misses.js';
import { wireMissesExport } from './knowledge/misses-export.js';
import { root } from './knowledge/page.js';
import { loadSources } from './knowledge/sources.js';
import { wireUpload } from './knowledge/upload.js';

if (root) {
  wireUpload();
  wireMisses();
  wireMissesExport();
  loadSources().then(() => (missesSection ? loadMisses() : undefined));
}
