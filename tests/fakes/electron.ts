/**
 * An in-process fake of the `electron` module for shell tests. It keeps the
 * semantics the shell relies on, and fails loudly where Electron would:
 *
 * - `ipcMain.handle` twice for one channel throws; `ipcRenderer.invoke` reaches
 *   the handler with an event carrying `sender` and `senderFrame`, arguments and
 *   results go through the structured clone algorithm, and a missing handler or
 *   a throwing handler rejects the renderer's promise;
 * - `contextBridge.exposeInMainWorld` works only with context isolation, never
 *   over an existing key, and copies the API: functions are proxied, plain data
 *   is deep-cloned and frozen, anything else (class instances, maps, symbols) is
 *   refused;
 * - `safeStorage` is unavailable before `app.whenReady()` resolves (and when the
 *   simulated OS has no keychain); its ciphertext really is encrypted;
 * - `BrowserWindow` records its options, creates a `webContents` (announced by
 *   `app`'s `web-contents-created`), and `webContents` emits `will-navigate`,
 *   `will-frame-navigate`, `will-redirect` and consults `setWindowOpenHandler`;
 *   without handlers the defaults of Electron apply (navigation and popups
 *   proceed, permissions are granted);
 * - `protocol.registerSchemesAsPrivileged` only before ready and only once,
 *   `protocol.handle` only after ready and once per scheme;
 * - `app.requestSingleInstanceLock` is shared through a simulated OS, so a
 *   second app instance gets `false` and the first one hears `second-instance`.
 *
 * Tests install it with
 * `vi.mock('electron', async () => (await import('../../fakes/electron')).electronModule)`
 * and drive it through `fakeElectron()`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** What Electron passes to listeners of preventable events. */
export class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

/** Machine-wide state that outlives one app run: the keychain and the instance locks. */
export class FakeOs {
  /** The secret the OS keychain protects; null: no keychain (encryption unavailable). */
  keychainSecret: Buffer | null = randomBytes(32);
  /** The Linux secret-store backend Chromium picked. */
  backend: 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown' = 'gnome_libsecret';
  readonly instanceLocks = new Map<string, FakeApp>();
}

export interface FakeElectronOptions {
  os?: FakeOs;
  userData?: string;
  locale?: string;
  platform?: NodeJS.Platform;
  packaged?: boolean;
  name?: string;
  version?: string;
}

let nextId = 1;

// ---------------------------------------------------------------- frames and renderers

export class FakeFrame {
  readonly routingId = nextId++;
  readonly processId: number;
  readonly frames: FakeFrame[] = [];
  url = '';
  detached = false;
  private rendererContext: FakeRenderer | null = null;

  constructor(
    readonly electron: FakeElectron,
    readonly webContents: FakeWebContents,
    readonly parent: FakeFrame | null,
  ) {
    this.processId = parent ? parent.processId : nextId++;
  }

  get top(): FakeFrame {
    return this.parent ? this.parent.top : this;
  }

  get origin(): string {
    try {
      return new URL(this.url).origin;
    } catch {
      return 'null';
    }
  }

  /** Adds a child frame (an iframe) showing `url`. */
  addChild(url: string): FakeFrame {
    const child = new FakeFrame(this.electron, this.webContents, this);
    child.url = url;
    this.frames.push(child);
    return child;
  }

  /** The renderer-side world of this frame: its ipcRenderer, contextBridge and `window`. */
  get renderer(): FakeRenderer {
    this.rendererContext ??= new FakeRenderer(this.electron, this);
    return this.rendererContext;
  }

  /** A new document replaces the old one: its window and listeners are gone. */
  resetDocument(): void {
    this.rendererContext?.ipcRenderer.removeAllListeners();
    this.rendererContext = null;
  }
}

export class FakeIpcRenderer extends EventEmitter {
  constructor(
    private readonly electron: FakeElectron,
    private readonly frame: FakeFrame,
  ) {
    super();
  }

  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    let cloned: unknown[];
    try {
      cloned = structuredClone(args);
    } catch {
      return Promise.reject(new Error('An object could not be cloned.'));
    }
    return this.electron.ipcMain.dispatchInvoke(channel, this.frame, cloned);
  }

  send(channel: string, ...args: unknown[]): void {
    const cloned = structuredClone(args);
    queueMicrotask(() => this.electron.ipcMain.emit(channel, this.electron.ipcMain.eventFor(this.frame), ...cloned));
  }

  /** Delivery from the main process (`webContents.send`). */
  deliver(channel: string, args: unknown[]): void {
    this.emit(channel, { sender: this, senderId: 0, ports: [] }, ...args);
  }
}

/** Copies a value across the context bridge, as Electron does. */
function bridgeValue(value: unknown, crossing: (fn: () => unknown) => unknown, seen = new Set<object>()): unknown {
  if (value === null || value === undefined) return value;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return value;
    case 'symbol':
      throw new Error('An object could not be cloned.');
    case 'function': {
      const fn = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) =>
        bridgeValue(
          crossing(() => fn(...args.map((arg) => bridgeValue(arg, crossing)))),
          crossing,
        );
    }
    default:
      break;
  }
  const object = value as object;
  if (seen.has(object)) throw new Error('An object could not be cloned: it contains a cycle.');
  if (object instanceof Promise) return object.then((resolved) => bridgeValue(resolved, crossing));
  if (object instanceof Error) return Object.freeze(new Error(object.message));
  if (object instanceof Date) return new Date(object.getTime());
  if (ArrayBuffer.isView(object)) return new Uint8Array(object.buffer.slice(object.byteOffset, object.byteOffset + object.byteLength));
  seen.add(object);
  try {
    if (Array.isArray(object)) return Object.freeze(object.map((item) => bridgeValue(item, crossing, seen)));
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new Error(`contextBridge accepts only functions and plain data, not ${object.constructor?.name ?? 'this object'}.`);
    }
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(object)) copy[key] = bridgeValue((object as Record<string, unknown>)[key], crossing, seen);
    return Object.freeze(copy);
  } finally {
    seen.delete(object);
  }
}

export class FakeContextBridge {
  constructor(
    private readonly electron: FakeElectron,
    private readonly renderer: FakeRenderer,
  ) {}

  exposeInMainWorld(key: string, api: unknown): void {
    if (this.renderer.frame.webContents.webPreferences.contextIsolation === false) {
      throw new Error('contextBridge API can only be used when contextIsolation is enabled');
    }
    if (Object.prototype.hasOwnProperty.call(this.renderer.mainWorld, key)) {
      throw new Error('Cannot bind an API on top of an existing property on the window object');
    }
    this.renderer.mainWorld[key] = bridgeValue(api, (fn) => this.electron.runInRenderer(this.renderer, fn));
  }
}

/** One frame's renderer: the isolated world (ipcRenderer, contextBridge) and the page's `window`. */
export class FakeRenderer {
  readonly ipcRenderer: FakeIpcRenderer;
  readonly contextBridge: FakeContextBridge;
  /** What the page sees on `window` (only what was exposed through the bridge). */
  readonly mainWorld: Record<string, unknown> = {};

  constructor(
    electron: FakeElectron,
    readonly frame: FakeFrame,
  ) {
    this.ipcRenderer = new FakeIpcRenderer(electron, frame);
    this.contextBridge = new FakeContextBridge(electron, this);
  }
}

// ---------------------------------------------------------------- main-process modules

interface InvokeEvent {
  sender: FakeWebContents;
  senderFrame: FakeFrame | null;
  frameId: number;
  processId: number;
  type: 'frame';
}

export class FakeIpcMain extends EventEmitter {
  private readonly handlers = new Map<string, (event: InvokeEvent, ...args: unknown[]) => unknown>();

  handle(channel: string, handler: (event: InvokeEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  hasHandler(channel: string): boolean {
    return this.handlers.has(channel);
  }

  eventFor(frame: FakeFrame): InvokeEvent {
    return {
      sender: frame.webContents,
      senderFrame: frame.detached ? null : frame,
      frameId: frame.routingId,
      processId: frame.processId,
      type: 'frame',
    };
  }

  async dispatchInvoke(channel: string, frame: FakeFrame, args: unknown[]): Promise<unknown> {
    await Promise.resolve();
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    let result: unknown;
    try {
      result = await handler(this.eventFor(frame), ...args);
    } catch (error) {
      throw new Error(`Error invoking remote method '${channel}': ${String(error)}`);
    }
    return structuredClone(result);
  }
}

type PermissionRequestHandler = (wc: FakeWebContents, permission: string, callback: (granted: boolean) => void, details: object) => void;
type PermissionCheckHandler = (wc: FakeWebContents | null, permission: string, origin: string, details: object) => boolean;

export class FakeSession extends EventEmitter {
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: PermissionCheckHandler | null = null;

  constructor(readonly partition: string) {
    super();
  }

  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.permissionCheckHandler = handler;
  }

  devicePermissionHandler: ((details: object) => boolean) | null = null;
  setDevicePermissionHandler(handler: ((details: object) => boolean) | null): void {
    this.devicePermissionHandler = handler;
  }

  /** A page asks for `permission`; without a handler Electron grants it. */
  requestPermission(wc: FakeWebContents, permission: string, details: object = {}): Promise<boolean> {
    const handler = this.permissionRequestHandler;
    if (!handler) return Promise.resolve(true);
    return new Promise((resolve) => handler(wc, permission, resolve, { requestingUrl: wc.getURL(), ...details }));
  }

  /** A page checks `permission` synchronously; without a handler Electron says yes. */
  checkPermission(wc: FakeWebContents | null, permission: string, origin: string): boolean {
    return this.permissionCheckHandler ? this.permissionCheckHandler(wc, permission, origin, {}) : true;
  }
}

interface WindowOpenDetails {
  url: string;
  frameName: string;
  features: string;
  disposition: string;
  referrer: { url: string; policy: string };
}
type WindowOpenHandler = (details: WindowOpenDetails) => { action: 'deny' } | { action: 'allow'; overrideBrowserWindowOptions?: object };

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly mainFrame: FakeFrame;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: WindowOpenHandler | null = null;
  private destroyed = false;

  constructor(
    readonly electron: FakeElectron,
    readonly session: FakeSession,
    readonly webPreferences: Record<string, unknown>,
  ) {
    super();
    this.mainFrame = new FakeFrame(electron, this, null);
  }

  getURL(): string {
    return this.mainFrame.url;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    const cloned = structuredClone(args);
    this.sent.push({ channel, args: cloned });
    const renderer = this.mainFrame.renderer;
    queueMicrotask(() => renderer.ipcRenderer.deliver(channel, cloned));
  }

  focus(): void {
    this.electron.BrowserWindow.fromWebContents(this)?.focus();
  }

  /** Loads `url` in the main frame (a new document). */
  load(url: string): void {
    this.mainFrame.resetDocument();
    this.mainFrame.url = url;
    this.emit('did-finish-load');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.mainFrame.detached = true;
    this.emit('destroyed');
  }
}

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class FakeBrowserWindow extends EventEmitter {
  readonly id = nextId++;
  readonly webContents: FakeWebContents;
  readonly options: Record<string, unknown>;
  private bounds: Rectangle;
  private destroyed = false;
  private visible: boolean;
  private minimized = false;
  private maximized = false;
  focusCount = 0;

  constructor(options: Record<string, unknown> = {}) {
    super();
    const electron = current();
    this.options = options;
    const prefs = { ...((options.webPreferences as Record<string, unknown> | undefined) ?? {}) };
    if (typeof prefs.preload === 'string' && !isAbsolute(prefs.preload)) throw new Error('preload path must be absolute');
    const session = typeof prefs.partition === 'string' ? electron.session.fromPartition(prefs.partition) : electron.session.defaultSession;
    this.webContents = new FakeWebContents(electron, session, prefs);
    this.bounds = {
      x: typeof options.x === 'number' ? options.x : 100,
      y: typeof options.y === 'number' ? options.y : 100,
      width: typeof options.width === 'number' ? options.width : 800,
      height: typeof options.height === 'number' ? options.height : 600,
    };
    this.visible = options.show !== false;
    electron.windows.push(this);
    electron.app.emit('web-contents-created', new FakeEvent(), this.webContents);
    electron.app.emit('browser-window-created', new FakeEvent(), this);
  }

  static getAllWindows(): FakeBrowserWindow[] {
    return current().windows.filter((w) => !w.isDestroyed());
  }

  static fromWebContents(wc: unknown): FakeBrowserWindow | null {
    return current().windows.find((w) => w.webContents === wc && !w.isDestroyed()) ?? null;
  }

  /** The webPreferences the window was created with. */
  get webPreferences(): Record<string, unknown> {
    return this.webContents.webPreferences;
  }

  loadURL(url: string): Promise<void> {
    this.assertAlive();
    this.webContents.load(url);
    queueMicrotask(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }

  loadFile(file: string): Promise<void> {
    return this.loadURL(`file://${file}`);
  }

  getBounds(): Rectangle {
    return { ...this.bounds };
  }
  getNormalBounds(): Rectangle {
    return { ...this.bounds };
  }
  setBounds(bounds: Partial<Rectangle>): void {
    this.bounds = { ...this.bounds, ...bounds };
    this.emit('resize');
  }
  show(): void {
    this.visible = true;
    this.emit('show');
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.assertAlive();
    this.visible = true;
    this.focusCount += 1;
    this.emit('focus');
  }
  minimize(): void {
    this.minimized = true;
  }
  restore(): void {
    this.minimized = false;
  }
  maximize(): void {
    this.maximized = true;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }

  close(): void {
    if (this.destroyed) return;
    const event = new FakeEvent();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroy();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
    const electron = current();
    if (BrowserWindowAlive().length === 0 && !electron.app.quitting) electron.app.allWindowsClosed();
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
  }
}

function BrowserWindowAlive(): FakeBrowserWindow[] {
  return current().windows.filter((w) => !w.isDestroyed());
}

export class FakeApp extends EventEmitter {
  readonly name: string;
  readonly isPackaged: boolean;
  quitting = false;
  quitCount = 0;
  exitCode: number | null = null;
  private ready = false;
  private readonly readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private readonly paths: Record<string, string>;

  constructor(
    private readonly electron: FakeElectron,
    private readonly os: FakeOs,
    private readonly options: Required<Pick<FakeElectronOptions, 'userData' | 'locale' | 'packaged' | 'name' | 'version'>>,
  ) {
    super();
    this.name = options.name;
    this.isPackaged = options.packaged;
    this.readyPromise = new Promise((resolve) => (this.resolveReady = resolve));
    this.paths = { userData: options.userData, temp: tmpdir(), home: tmpdir() };
  }

  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  isReady(): boolean {
    return this.ready;
  }
  /** The test's stand-in for the platform finishing launch. */
  emitReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.emit('ready', new FakeEvent(), {});
    this.resolveReady();
  }

  getPath(name: string): string {
    const path = this.paths[name];
    if (!path) throw new Error(`Failed to get '${name}' path`);
    return path;
  }
  setPath(name: string, value: string): void {
    this.paths[name] = value;
  }
  getLocale(): string {
    return this.options.locale;
  }
  getVersion(): string {
    return this.options.version;
  }

  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean {
    const holder = this.os.instanceLocks.get(this.name);
    if (holder === this) return true;
    if (holder) {
      const argv = ['harbor', '--second'];
      queueMicrotask(() => holder.emit('second-instance', new FakeEvent(), argv, '/', additionalData ?? {}));
      return false;
    }
    this.os.instanceLocks.set(this.name, this);
    return true;
  }
  hasSingleInstanceLock(): boolean {
    return this.os.instanceLocks.get(this.name) === this;
  }
  releaseSingleInstanceLock(): void {
    if (this.hasSingleInstanceLock()) this.os.instanceLocks.delete(this.name);
  }

  allWindowsClosed(): void {
    if (this.listenerCount('window-all-closed') > 0) this.emit('window-all-closed');
    else this.quit();
  }

  quit(): void {
    this.quitCount += 1;
    if (this.quitting) return;
    const before = new FakeEvent();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    this.quitting = true;
    for (const win of BrowserWindowAlive()) win.close();
    const will = new FakeEvent();
    this.emit('will-quit', will);
    if (will.defaultPrevented) {
      this.quitting = false;
      return;
    }
    this.releaseSingleInstanceLock();
    this.emit('quit', new FakeEvent(), 0);
  }

  exit(code = 0): void {
    this.exitCode = code;
    this.quitting = true;
    this.releaseSingleInstanceLock();
  }

  /** Set by `app.enableSandbox()`: every renderer is sandboxed whatever its webPreferences say. */
  sandboxEverywhere = false;
  enableSandbox(): void {
    if (this.ready) throw new Error('app.enableSandbox() can only be called before app is ready');
    this.sandboxEverywhere = true;
  }

  focus(): void {}
  setAppUserModelId(): void {}

  /** Another app instance on the same machine (same name, same lock table). */
  sibling(): FakeApp {
    return new FakeApp(this.electron, this.os, this.options);
  }
}

export class FakeSafeStorage {
  constructor(
    private readonly electron: FakeElectron,
    private readonly os: FakeOs,
    private readonly platform: NodeJS.Platform,
  ) {}

  private secret(): Buffer | null {
    if (!this.electron.app.isReady() || !this.os.keychainSecret) return null;
    // Chromium's basic_text backend "encrypts" with a key hard-coded in the browser.
    if (this.platform === 'linux' && this.os.backend === 'basic_text') return createHash('sha256').update('peanuts').digest();
    return this.os.keychainSecret;
  }

  isEncryptionAvailable(): boolean {
    return this.secret() !== null;
  }

  encryptString(plain: string): Buffer {
    const secret = this.secret();
    if (!secret) throw new Error('Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', secret, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from('v11'), iv, cipher.getAuthTag(), body]);
  }

  decryptString(encrypted: Buffer): string {
    const secret = this.secret();
    if (!secret) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString. Decryption is not available.');
    if (!Buffer.isBuffer(encrypted)) throw new TypeError('Expected the first argument of decryptString() to be a buffer');
    try {
      const iv = encrypted.subarray(3, 15);
      const tag = encrypted.subarray(15, 31);
      const decipher = createDecipheriv('aes-256-gcm', secret, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(encrypted.subarray(31)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    }
  }

  getSelectedStorageBackend(): string {
    if (this.platform !== 'linux') throw new Error('safeStorage.getSelectedStorageBackend is only available on Linux');
    if (!this.electron.app.isReady()) throw new Error('safeStorage cannot be used before app is ready');
    return this.os.backend;
  }
}

interface Privileged {
  scheme: string;
  privileges?: Record<string, boolean>;
}

export class FakeProtocol {
  privileged: Privileged[] | null = null;
  private readonly handlers = new Map<string, (request: Request) => Response | Promise<Response>>();

  constructor(private readonly electron: FakeElectron) {}

  registerSchemesAsPrivileged(schemes: Privileged[]): void {
    if (this.electron.app.isReady()) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    if (this.privileged) throw new Error('protocol.registerSchemesAsPrivileged can be called only once');
    this.privileged = structuredClone(schemes);
  }

  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    if (!this.electron.app.isReady()) throw new Error('protocol.handle cannot be used before app is ready');
    if (this.handlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
    this.handlers.set(scheme, handler);
  }

  unhandle(scheme: string): void {
    this.handlers.delete(scheme);
  }

  isProtocolHandled(scheme: string): boolean {
    return this.handlers.has(scheme);
  }

  /** What the renderer gets when it loads `url`. */
  async fetch(url: string): Promise<Response> {
    const scheme = new URL(url).protocol.slice(0, -1);
    const handler = this.handlers.get(scheme);
    if (!handler) throw new Error(`net::ERR_UNKNOWN_URL_SCHEME (${scheme})`);
    return handler(new Request(url));
  }
}

export class FakeElectron {
  readonly os: FakeOs;
  readonly platform: NodeJS.Platform;
  readonly windows: FakeBrowserWindow[] = [];
  readonly app: FakeApp;
  readonly ipcMain = new FakeIpcMain();
  readonly safeStorage: FakeSafeStorage;
  readonly protocol: FakeProtocol;
  readonly opened: string[] = [];
  readonly errorBoxes: { title: string; content: string }[] = [];
  readonly BrowserWindow = FakeBrowserWindow;
  private readonly sessions = new Map<string, FakeSession>();
  private activeRenderer: FakeRenderer | null = null;

  readonly session = {
    defaultSession: new FakeSession(''),
    fromPartition: (partition: string): FakeSession => {
      if (!partition) return this.session.defaultSession;
      let s = this.sessions.get(partition);
      if (!s) {
        s = new FakeSession(partition);
        this.sessions.set(partition, s);
      }
      return s;
    },
  };

  readonly shell = {
    openExternal: (url: string): Promise<void> => {
      this.opened.push(url);
      return Promise.resolve();
    },
  };

  /** Folder dialogs shown (their window and options); each answers with `openDialogAnswer`, then cancels. */
  readonly openDialogs: { window: unknown; options: Record<string, unknown> }[] = [];
  openDialogAnswer: string | null = null;

  readonly dialog = {
    showErrorBox: (title: string, content: string): void => {
      this.errorBoxes.push({ title, content });
    },
    showOpenDialog: (windowOrOptions: unknown, maybeOptions?: Record<string, unknown>): Promise<{ canceled: boolean; filePaths: string[] }> => {
      const options = (maybeOptions ?? windowOrOptions) as Record<string, unknown>;
      this.openDialogs.push({ window: maybeOptions ? windowOrOptions : null, options });
      const answer = this.openDialogAnswer;
      this.openDialogAnswer = null;
      return Promise.resolve(answer === null ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [answer] });
    },
  };

  readonly screen = {
    getAllDisplays: () => {
      if (!this.app.isReady()) throw new Error("The 'screen' module can't be used before the app 'ready' event");
      return [{ id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }];
    },
  };

  constructor(options: FakeElectronOptions = {}) {
    this.os = options.os ?? new FakeOs();
    this.platform = options.platform ?? 'linux';
    this.app = new FakeApp(this, this.os, {
      userData: options.userData ?? mkdtempSync(join(tmpdir(), 'harbor-fake-userdata-')),
      locale: options.locale ?? 'en-US',
      packaged: options.packaged ?? false,
      name: options.name ?? 'Harbor',
      version: options.version ?? '0.1.0',
    });
    this.safeStorage = new FakeSafeStorage(this, this.os, this.platform);
    this.protocol = new FakeProtocol(this);
  }

  /** Runs `fn` as code of `renderer` (its `ipcRenderer` and `contextBridge` are the ones in scope). */
  runInRenderer<T>(renderer: FakeRenderer, fn: () => T): T {
    const previous = this.activeRenderer;
    this.activeRenderer = renderer;
    try {
      return fn();
    } finally {
      this.activeRenderer = previous;
    }
  }

  get rendererInScope(): FakeRenderer | null {
    return this.activeRenderer;
  }

  /**
   * Runs a preload in `frame`'s renderer: `load` imports the preload module
   * (fresh, after `vi.resetModules()`), and returns what the page's `window` got.
   */
  async runPreload(frame: FakeFrame, load: () => Promise<unknown>): Promise<Record<string, unknown>> {
    const renderer = frame.renderer;
    const previous = this.activeRenderer;
    this.activeRenderer = renderer;
    try {
      await load();
    } finally {
      this.activeRenderer = previous;
    }
    return renderer.mainWorld;
  }

  /** The user (or page) navigates `frame` to `url`; returns whether it went through. */
  navigate(wc: FakeWebContents, url: string, frame: FakeFrame = wc.mainFrame): boolean {
    const details = Object.assign(new FakeEvent(), { url, isSameDocument: false, isMainFrame: frame === wc.mainFrame, frame, initiator: frame });
    if (frame === wc.mainFrame) wc.emit('will-navigate', details, url, false, true);
    if (!details.defaultPrevented) wc.emit('will-frame-navigate', details);
    if (details.defaultPrevented) return false;
    if (frame === wc.mainFrame) wc.load(url);
    else frame.url = url;
    return true;
  }

  /** A server redirect during navigation of the main frame to `url`. */
  redirect(wc: FakeWebContents, url: string): boolean {
    const details = Object.assign(new FakeEvent(), { url, isSameDocument: false, isMainFrame: true, frame: wc.mainFrame });
    wc.emit('will-redirect', details, url, false, true);
    if (details.defaultPrevented) return false;
    wc.load(url);
    return true;
  }

  /** The page calls `window.open(url)`; returns the new window, or null when denied. */
  windowOpen(wc: FakeWebContents, url: string): FakeBrowserWindow | null {
    const details: WindowOpenDetails = { url, frameName: '', features: '', disposition: 'new-window', referrer: { url: wc.getURL(), policy: 'strict-origin-when-cross-origin' } };
    const decision = wc.windowOpenHandler ? wc.windowOpenHandler(details) : { action: 'allow' as const };
    if (decision.action !== 'allow') return null;
    const win = new FakeBrowserWindow({ webPreferences: { ...wc.webPreferences }, ...(decision.overrideBrowserWindowOptions ?? {}) });
    void win.loadURL(url);
    wc.emit('did-create-window', win, details);
    return win;
  }
}

// ---------------------------------------------------------------- the module seen by code under test

// Kept on globalThis so a re-imported copy of this file (after vi.resetModules) sees the same fake.
const STATE = Symbol.for('harbor.fakeElectron');
type Holder = { [STATE]?: FakeElectron };

function current(): FakeElectron {
  const holder = globalThis as Holder;
  holder[STATE] ??= new FakeElectron();
  return holder[STATE];
}

/** Replaces the fake with a fresh one (a new app run); pass `os` to keep the machine. */
export function resetFakeElectron(options: FakeElectronOptions = {}): FakeElectron {
  const fake = new FakeElectron(options);
  (globalThis as Holder)[STATE] = fake;
  return fake;
}

export function fakeElectron(): FakeElectron {
  return current();
}

/** The `electron` module: main-process APIs always, renderer APIs only inside a renderer (else undefined, as in Electron's main process). */
const MAIN_PROCESS_APIS = ['app', 'ipcMain', 'BrowserWindow', 'safeStorage', 'session', 'shell', 'dialog', 'protocol', 'screen'] as const;
export const electronModule: Record<string, unknown> = {};
for (const name of MAIN_PROCESS_APIS) {
  Object.defineProperty(electronModule, name, { enumerable: true, get: () => current()[name] });
}
for (const name of ['ipcRenderer', 'contextBridge'] as const) {
  Object.defineProperty(electronModule, name, { enumerable: true, get: () => current().rendererInScope?.[name] });
}
