#!/usr/bin/env node
// `npx localfc [--port 9000] [--clock manual] …`: runs the bundled server (needs `npm run build` first when used from a checkout).
import '../dist/localfc.mjs';
