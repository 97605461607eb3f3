/**
 * @module
 * The bootstraps the process backend runs for built-in runtimes (nodejs*, python*). Each is a tiny HTTP server on
 * FC_SERVER_PORT implementing FC's custom-runtime contract (POST /invoke, POST /initialize, GET /pre-stop) around the
 * user's handler. Handler errors answer 200 with FC's error JSON and `x-localfc-error-type`; initializer and pre-stop
 * failures answer 500. The hook handlers come from LOCALFC_INITIALIZER_HANDLER / LOCALFC_PRESTOP_HANDLER.
 */

/** CommonJS, so it runs whatever package.json sits above the backend's work dir. */
export const NODE_BOOTSTRAP = String.raw`'use strict';
const http = require('node:http');
const path = require('node:path');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');

const env = process.env;
const modules = new Map();

function named(name, message) {
  const e = new Error(message);
  e.name = name;
  return e;
}

async function loadHandler(spec) {
  const dot = spec.lastIndexOf('.');
  if (dot <= 0) throw named('InvalidHandler', 'Invalid handler ' + JSON.stringify(spec) + ': expected file.export');
  const file = spec.slice(0, dot);
  const exp = spec.slice(dot + 1);
  let mod = modules.get(file);
  if (!mod) {
    const base = path.resolve(process.cwd(), file);
    const found = ['.js', '.mjs', '.cjs'].map((e) => base + e).find((p) => fs.existsSync(p));
    if (!found) throw named('ImportModuleError', "Cannot find module '" + file + "'");
    mod = await import(pathToFileURL(found).href);
    modules.set(file, mod);
  }
  if (typeof mod[exp] === 'function') return mod[exp];
  if (mod.default && typeof mod.default[exp] === 'function') return mod.default[exp];
  throw named('HandlerNotFound', "Handler '" + exp + "' is undefined or not exported by '" + file + "'");
}

function context(requestId) {
  return {
    requestId,
    function: {
      name: env.FC_FUNCTION_NAME,
      handler: env.FC_FUNCTION_HANDLER,
      memory: Number(env.FC_FUNCTION_MEMORY_SIZE),
      timeout: Number(env.FC_FUNCTION_TIMEOUT),
      initializer: env.LOCALFC_INITIALIZER_HANDLER,
    },
    credentials: {
      accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID,
      accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
      securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN,
    },
    region: env.FC_REGION,
    accountId: env.FC_ACCOUNT_ID,
    logger: console,
  };
}

// Runs fn(...args, callback): the callback, a returned promise, or (for handlers without a callback parameter) a plain return value.
function call(spec, args) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r) => {
      if (!done) {
        done = true;
        resolve(r);
      }
    };
    loadHandler(spec).then(
      (fn) => {
        const cb = (err, data) => (err ? finish({ error: err, type: 'HandledInvocationError' }) : finish({ data }));
        let ret;
        try {
          ret = fn(...args, cb);
        } catch (e) {
          finish({ error: e, type: 'UnhandledInvocationError' });
          return;
        }
        if (ret && typeof ret.then === 'function') ret.then((data) => finish({ data }), (e) => finish({ error: e, type: 'UnhandledInvocationError' }));
        else if (fn.length <= args.length) finish({ data: ret });
      },
      (e) => finish({ error: e, type: 'UnhandledInvocationError' }),
    );
  });
}

function errorBody(err) {
  const e = err instanceof Error ? err : { name: 'Error', message: typeof err === 'string' ? err : JSON.stringify(err), stack: '' };
  const stack = String(e.stack || '').split('\n').slice(1).map((s) => s.trim()).filter(Boolean);
  return JSON.stringify({ errorMessage: e.message, errorType: e.name, stackTrace: stack });
}

function send(res, status, body, headers) {
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}

function reply(res, r, errorStatus) {
  if (r.error !== undefined) {
    console.error(r.error instanceof Error ? r.error.stack || String(r.error) : r.error);
    send(res, errorStatus, Buffer.from(errorBody(r.error)), { 'content-type': 'application/json', 'x-localfc-error-type': r.type });
    return;
  }
  const d = r.data;
  if (d === undefined || d === null) send(res, 200, Buffer.alloc(0), {});
  else if (Buffer.isBuffer(d) || d instanceof Uint8Array) send(res, 200, Buffer.from(d), { 'content-type': 'application/octet-stream' });
  else if (typeof d === 'string') send(res, 200, Buffer.from(d), { 'content-type': 'text/plain; charset=utf-8' });
  else send(res, 200, Buffer.from(JSON.stringify(d)), { 'content-type': 'application/json' });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const ctx = context(String(req.headers['x-fc-request-id'] || ''));
    const url = (req.url || '').split('?')[0];
    let work;
    if (req.method === 'POST' && url === '/invoke') work = call(env.FC_FUNCTION_HANDLER, [body, ctx]).then((r) => reply(res, r, 200));
    else if (req.method === 'POST' && url === '/initialize') {
      const spec = env.LOCALFC_INITIALIZER_HANDLER;
      work = spec ? call(spec, [ctx]).then((r) => reply(res, r, 500)) : Promise.resolve(send(res, 200, Buffer.alloc(0), {}));
    } else if (url === '/pre-stop' || url === '/pre-freeze') {
      const spec = url === '/pre-stop' ? env.LOCALFC_PRESTOP_HANDLER : undefined;
      work = spec ? call(spec, [ctx]).then((r) => reply(res, r, 500)) : Promise.resolve(send(res, 200, Buffer.alloc(0), {}));
    } else work = Promise.resolve(send(res, 404, Buffer.from('not found'), {}));
    work.catch((e) => {
      console.error(e);
      if (!res.headersSent) send(res, 500, Buffer.from(String(e)), {});
    });
  });
});
server.keepAliveTimeout = 60000;
server.listen(Number(env.FC_SERVER_PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export const PYTHON_BOOTSTRAP = String.raw`import importlib, json, logging, os, sys, threading, traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.getcwd())
_modules = {}
_lock = threading.Lock()
env = os.environ


def load(spec):
    mod_name, _, exp = spec.rpartition('.')
    if not mod_name:
        raise ValueError('Invalid handler %r: expected file.function' % spec)
    mod_name = mod_name.replace('/', '.')
    with _lock:
        mod = _modules.get(mod_name)
        if mod is None:
            mod = importlib.import_module(mod_name)
            _modules[mod_name] = mod
    fn = getattr(mod, exp, None)
    if not callable(fn):
        raise AttributeError("handler '%s' is not defined in module '%s'" % (exp, mod_name))
    return fn


class _Obj(object):
    def __init__(self, **kw):
        self.__dict__.update(kw)


def context(request_id):
    return _Obj(
        request_id=request_id,
        function=_Obj(name=env.get('FC_FUNCTION_NAME'), handler=env.get('FC_FUNCTION_HANDLER'),
                      memory=int(env.get('FC_FUNCTION_MEMORY_SIZE') or 0), timeout=int(env.get('FC_FUNCTION_TIMEOUT') or 0),
                      initializer=env.get('LOCALFC_INITIALIZER_HANDLER')),
        credentials=_Obj(access_key_id=env.get('ALIBABA_CLOUD_ACCESS_KEY_ID'),
                         access_key_secret=env.get('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
                         security_token=env.get('ALIBABA_CLOUD_SECURITY_TOKEN')),
        region=env.get('FC_REGION'), account_id=env.get('FC_ACCOUNT_ID'), logger=logging.getLogger())


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _send(self, status, body, headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header('content-length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _run(self, spec, args, error_status):
        if not spec:
            return self._send(200, b'')
        try:
            result = load(spec)(*args)
        except Exception as e:
            traceback.print_exc()
            sys.stderr.flush()
            payload = json.dumps({'errorMessage': str(e), 'errorType': type(e).__name__,
                                  'stackTrace': traceback.format_exc().splitlines()}).encode()
            return self._send(error_status, payload, {'content-type': 'application/json', 'x-localfc-error-type': 'UnhandledInvocationError'})
        sys.stdout.flush()
        sys.stderr.flush()
        if result is None:
            self._send(200, b'')
        elif isinstance(result, (bytes, bytearray)):
            self._send(200, bytes(result), {'content-type': 'application/octet-stream'})
        elif isinstance(result, str):
            self._send(200, result.encode('utf-8'), {'content-type': 'text/plain; charset=utf-8'})
        else:
            self._send(200, json.dumps(result).encode('utf-8'), {'content-type': 'application/json'})

    def do_POST(self):
        n = int(self.headers.get('content-length') or 0)
        body = self.rfile.read(n) if n else b''
        ctx = context(self.headers.get('x-fc-request-id', ''))
        path = self.path.split('?')[0]
        if path == '/invoke':
            self._run(env.get('FC_FUNCTION_HANDLER'), (body, ctx), 200)
        elif path == '/initialize':
            self._run(env.get('LOCALFC_INITIALIZER_HANDLER'), (ctx,), 500)
        else:
            self._send(404, b'not found')

    def do_GET(self):
        ctx = context(self.headers.get('x-fc-request-id', ''))
        path = self.path.split('?')[0]
        if path == '/pre-stop':
            self._run(env.get('LOCALFC_PRESTOP_HANDLER'), (ctx,), 500)
        elif path == '/pre-freeze':
            self._send(200, b'')
        else:
            self._send(404, b'not found')


if __name__ == '__main__':
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(('127.0.0.1', int(env['FC_SERVER_PORT'])), Handler).serve_forever()
`;
