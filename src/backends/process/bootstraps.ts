/**
 * @module
 * The bootstraps the process backend runs for built-in runtimes (nodejs*, python*). Each is a tiny HTTP server on
 * FC_SERVER_PORT implementing FC's custom-runtime contract (POST /invoke, POST /initialize, GET /pre-stop) around the
 * user's handler. Handler errors answer 200 with FC's error JSON and `x-localfc-error-type`; initializer and pre-stop
 * failures answer 500. Everything per request (hook handlers, qualifier, credentials) comes from FC's x-fc-* headers,
 * as the context FC's runtimes build (on /invoke only those http-runtime.ts bootstrapHeaders sends; name, handler,
 * memory, timeout, region and account from the environment); loggers print FC's `time requestId [level] message`.
 */

/** CommonJS, so it runs whatever package.json sits above the backend's work dir. */
export const NODE_BOOTSTRAP = String.raw`'use strict';
const http = require('node:http');
const path = require('node:path');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');

const env = process.env;
const modules = new Map();
// Read once: every read of process.env is a call into the C++ environment.
const HANDLER = env.FC_FUNCTION_HANDLER;
const FUNCTION = { name: env.FC_FUNCTION_NAME, memory: Number(env.FC_FUNCTION_MEMORY_SIZE), timeout: Number(env.FC_FUNCTION_TIMEOUT) };
const REGION = env.FC_REGION;
const ACCOUNT_ID = env.FC_ACCOUNT_ID;

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

// FC's Node.js log line: <UTC time yyyy-MM-ddTHH:mm:ss.fffZ> <requestId> [<level>] message, for console.* and
// context.logger alike, levels in lower case (FC's Node.js "Logs" page); process.stdout.write is printed as is.
const LEVELS = ['debug', 'info', 'warn', 'error'];
// ALIYUN_FC_LOG_LEVEL drops lines below it (FC: nodejs18 and nodejs20 only; argv[2] is the function's runtime).
const MIN_LEVEL = /^nodejs(1[89]|[2-9]\d)$/.test(process.argv[2] || '') ? Math.max(0, LEVELS.indexOf(String(env.ALIYUN_FC_LOG_LEVEL || '').toLowerCase())) : 0;
const format = require('node:util').format;
const out = process.stdout;
// Both streams into the one pipe: the log keeps the order things were printed in, as FC's log does.
process.stderr.write = out.write.bind(out);
let latestRequestId = '';
const currentRequest = new (require('node:async_hooks').AsyncLocalStorage)();
const logLine = (level, requestId) => (...args) => {
  if (LEVELS.indexOf(level) >= MIN_LEVEL) out.write(new Date().toISOString() + ' ' + requestId() + ' [' + level + '] ' + format(...args) + '\n');
};
// console.* outside a request's own async context (a timer the module set up) names the latest request.
const requestNow = () => currentRequest.getStore() || latestRequestId;
Object.assign(console, { debug: logLine('debug', requestNow), log: logLine('info', requestNow), info: logLine('info', requestNow), warn: logLine('warn', requestNow), error: logLine('error', requestNow) });

function logger(requestId) {
  const of = () => requestId;
  return { debug: logLine('debug', of), info: logLine('info', of), log: logLine('info', of), warn: logLine('warn', of), error: logLine('error', of) };
}

function context(h) {
  const requestId = String(h['x-fc-request-id'] || '');
  const qualifier = h['x-fc-qualifier'] || 'LATEST';
  const versionId = h['x-fc-version-id'] || qualifier;
  return {
    requestId,
    credentials: {
      accessKeyId: h['x-fc-access-key-id'] || '',
      accessKeySecret: h['x-fc-access-key-secret'] || '',
      securityToken: h['x-fc-security-token'] || '',
    },
    function: {
      name: FUNCTION.name,
      handler: HANDLER,
      memory: FUNCTION.memory,
      timeout: FUNCTION.timeout,
      initializer: h['x-fc-function-initializer'] || '',
      // Sent on /invoke only with an initializer (http-runtime.ts bootstrapHeaders); FC's default otherwise.
      initializationTimeout: Number(h['x-fc-initialization-timeout'] || 3),
      qualifier,
      versionId,
    },
    service: { logProject: '', logStore: '', qualifier, versionId },
    region: REGION,
    accountId: ACCOUNT_ID,
    logger: logger(requestId),
    tracing: { openTracingSpanContext: '', openTracingSpanBaggages: {}, jaegerEndpoint: '' },
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
  else {
    let json;
    try {
      json = JSON.stringify(d);
    } catch (e) {
      // A result JSON cannot encode (circular, a BigInt) is the handler's error, in FC's error shape.
      return reply(res, { error: e, type: 'UnhandledInvocationError' }, errorStatus);
    }
    // undefined for a function or a symbol: nothing to send, as for undefined itself.
    send(res, 200, Buffer.from(json ?? ''), { 'content-type': 'application/json' });
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const ctx = context(req.headers);
    const url = (req.url || '').split('?')[0];
    let work;
    if (ctx.requestId) latestRequestId = ctx.requestId;
    if (req.method === 'POST' && url === '/invoke') work = currentRequest.run(ctx.requestId, () => call(HANDLER, [body, ctx]).then((r) => reply(res, r, 200)));
    else if (req.method === 'POST' && url === '/initialize') {
      const spec = req.headers['x-fc-function-initializer'];
      work = spec ? currentRequest.run(ctx.requestId, () => call(spec, [ctx]).then((r) => reply(res, r, 500))) : Promise.resolve(send(res, 200, Buffer.alloc(0), {}));
    } else if (url === '/pre-stop' || url === '/pre-freeze') {
      const spec = url === '/pre-stop' ? req.headers['x-fc-instance-lifecycle-pre-stop-handler'] : undefined;
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

export const PYTHON_BOOTSTRAP = String.raw`import importlib, inspect, json, logging, os, sys, threading, time, traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.getcwd())


def _preinstalled(dists, host):
    # The top-level modules of FC's preinstalled distributions and of everything they require, as the machine has them.
    try:
        from importlib.metadata import Distribution
    except ImportError:
        return frozenset()
    import re
    seen, names, todo = set(), set(), list(dists)
    while todo:
        name = todo.pop()
        key = re.sub(r'[-_.]+', '-', name).lower()
        if key in seen:
            continue
        seen.add(key)
        d = next(iter(Distribution.discover(name=name, path=host)), None)
        if d is None:
            continue
        top = d.read_text('top_level.txt')
        if top:
            names.update(l.strip() for l in top.splitlines() if l.strip())
        else:
            for f in d.files or []:
                head = f.parts[0]
                if head in ('..', '__pycache__') or head.endswith(('.dist-info', '.egg-info')):
                    continue
                names.add(head.split('.')[0] if len(f.parts) == 1 else head)
        for r in d.requires or []:
            m = re.match(r'[A-Za-z0-9][A-Za-z0-9._-]*', r)
            if m and 'extra ==' not in r:
                todo.append(m.group(0))
    return frozenset(names)


def _isolate(fc_modules):
    # FC's Python runtime has the standard library, /code, /opt/python (layers) and the modules it preinstalls, not
    # what the machine's Python has in its site-packages: those leave sys.path, and only FC's modules (and what they
    # require) are found there, by a finder asked last. PYTHONPATH entries stay.
    import importlib.machinery, site
    host = [os.path.realpath(p) for p in site.getsitepackages() + [site.getusersitepackages()]]
    keep = set(p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p)

    def under_host(p):
        r = os.path.realpath(p or '.')
        return any(r == h or r.startswith(h + os.sep) for h in host)

    sys.path[:] = [p for p in sys.path if p in keep or not under_host(p)]
    # Worked out on the first import nothing else finds; importlib.metadata's own imports come back here meanwhile.
    state = {}

    class _Preinstalled(object):
        @classmethod
        def find_spec(cls, name, path=None, target=None):
            if path is not None or state.get('busy'):
                return None
            if 'names' not in state:
                state['busy'] = True
                try:
                    state['names'] = _preinstalled([d for d in fc_modules.split(',') if d], host)
                finally:
                    state['busy'] = False
            return importlib.machinery.PathFinder.find_spec(name, host) if name in state['names'] else None

    sys.meta_path.append(_Preinstalled)


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


_local = threading.local()


class _RequestId(logging.Filter):
    def filter(self, record):
        record.request_id = getattr(_local, 'request_id', '')
        return True


class _Formatter(logging.Formatter):
    # FC's Python runtime: 2024-01-01T00:00:00.000Z <requestId> [INFO] message
    def formatTime(self, record, datefmt=None):
        return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(record.created)) + '.%03dZ' % record.msecs


def _setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_RequestId())
    handler.setFormatter(_Formatter('%(asctime)s %(request_id)s [%(levelname)s] %(message)s'))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)


def context(h):
    request_id = h.get('x-fc-request-id', '')
    _local.request_id = request_id
    qualifier = h.get('x-fc-qualifier') or 'LATEST'
    version_id = h.get('x-fc-version-id') or qualifier
    log = logging.getLogger()
    return _Obj(
        request_id=request_id,
        function=_Obj(name=env.get('FC_FUNCTION_NAME'), handler=env.get('FC_FUNCTION_HANDLER'),
                      memory=int(env.get('FC_FUNCTION_MEMORY_SIZE') or 0), timeout=int(env.get('FC_FUNCTION_TIMEOUT') or 0),
                      initializer=h.get('x-fc-function-initializer', ''),
                      initialization_timeout=int(h.get('x-fc-initialization-timeout') or 3),
                      qualifier=qualifier, version_id=version_id),
        service=_Obj(name='', log_project='', log_store='', qualifier=qualifier, version_id=version_id),
        credentials=_Obj(access_key_id=h.get('x-fc-access-key-id', ''),
                         access_key_secret=h.get('x-fc-access-key-secret', ''),
                         security_token=h.get('x-fc-security-token', '')),
        region=env.get('FC_REGION'), account_id=env.get('FC_ACCOUNT_ID'),
        tracing=_Obj(span_context='', jaeger_endpoint='', span_baggages={}, parent_span_id=''),
        logger=log, getLogger=lambda: log)


def _encode(result):
    if result is None:
        return b'', {}
    if isinstance(result, (bytes, bytearray)):
        return bytes(result), {'content-type': 'application/octet-stream'}
    if isinstance(result, str):
        return result.encode('utf-8'), {'content-type': 'text/plain; charset=utf-8'}
    if inspect.iscoroutine(result):
        result.close()  # never awaited: FC's Python handlers are plain functions
    return json.dumps(result).encode('utf-8'), {'content-type': 'application/json'}


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _send(self, status, body, headers=None):
        # Not send_response(): its Server header (BaseHTTP/0.6 Python/3.x) would reach the caller of InvokeFunction.
        self.send_response_only(status)
        self.send_header('date', self.date_time_string())
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header('content-length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _run(self, spec, args, error_status):
        if not spec:
            return self._send(200, b'')
        try:
            # Serialised inside the try: a result JSON cannot encode (a set, an object, the coroutine an async def
            # returns) is the handler's error, not the end of the instance.
            body, headers = _encode(load(spec)(*args))
        except SystemExit as e:
            # sys.exit() in a handler ends the process, as it would on FC: the caller gets FC's "Process exited
            # unexpectedly before completing request" from the backend, the next call a new instance.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(e.code if isinstance(e.code, int) else (0 if e.code is None else 1))
        except Exception as e:
            traceback.print_exc()
            sys.stderr.flush()
            payload = json.dumps({'errorMessage': str(e), 'errorType': type(e).__name__,
                                  'stackTrace': traceback.format_exc().splitlines()}).encode()
            return self._send(error_status, payload, {'content-type': 'application/json', 'x-localfc-error-type': 'UnhandledInvocationError'})
        sys.stdout.flush()
        sys.stderr.flush()
        self._send(200, body, headers)

    def do_POST(self):
        n = int(self.headers.get('content-length') or 0)
        body = self.rfile.read(n) if n else b''
        ctx = context(self.headers)
        path = self.path.split('?')[0]
        if path == '/invoke':
            self._run(env.get('FC_FUNCTION_HANDLER'), (body, ctx), 200)
        elif path == '/initialize':
            self._run(self.headers.get('x-fc-function-initializer'), (ctx,), 500)
        else:
            self._send(404, b'not found')

    def do_GET(self):
        ctx = context(self.headers)
        path = self.path.split('?')[0]
        if path == '/pre-stop':
            self._run(self.headers.get('x-fc-instance-lifecycle-pre-stop-handler'), (ctx,), 500)
        elif path == '/pre-freeze':
            self._send(200, b'')
        else:
            self._send(404, b'not found')


if __name__ == '__main__':
    # stderr into the stdout pipe: the log keeps the order things were printed in, as FC's log does.
    os.dup2(1, 2)
    _isolate(sys.argv[1] if len(sys.argv) > 1 else '')
    _setup_logging()
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(('127.0.0.1', int(env['FC_SERVER_PORT'])), Handler).serve_forever()
`;
