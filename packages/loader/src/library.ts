import type koffiModule from 'koffi';

type Koffi = typeof koffiModule;

/** A loaded native library (koffi's handle): `lib.func('int add(int a, int b)')` binds a function. */
export type Library = ReturnType<Koffi['load']>;

/** What a program gets from the loader. */
export interface LoadedLibrary {
  lib: Library;
  /** Absolute path of the loaded file. */
  path: string;
}

// koffi is imported on first need, not with this module: a process that never loads a library
// (a cache tool) never pays for it. A dynamic import, not require: a program that imports koffi
// itself gets this same instance, whose types its own structs and callbacks are made of.
let koffi: Koffi | undefined;
let importing: Promise<Koffi> | undefined;

/**
 * Import koffi, once per process, and resolve when it is ready; `loadLibrary` does this itself, so
 * calling it first only moves the import earlier. Rejects, on every call, when koffi cannot be
 * imported.
 */
export function loaderReady(): Promise<void> {
  importing ??= import('koffi').then(
    (module) => (koffi = module.default),
    (error: unknown) => {
      throw new Error(
        `Could not import koffi, which loads the built libraries: ${(error as Error).message}. ` +
          'Reinstall the dependencies (npm ci).',
        { cause: error },
      );
    },
  );
  return importing.then(() => undefined);
}

/** Load the shared library at `path` with koffi (the dynamic loader's own refcount makes a reload cheap). */
export async function loadLibrary(path: string): Promise<Library> {
  if (koffi === undefined) await loaderReady();
  return koffi!.load(path);
}

const factories = new WeakMap<Library, Map<string, () => unknown>>();

/**
 * Call the factory `void* name(void)` exported by `lib` and return the pointer it gives
 * (as koffi represents a `void*`), for passing back to other native functions.
 */
export function factory(lib: Library, name: string): unknown {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TypeError(`Expected a C identifier for the factory name but received ${JSON.stringify(name)}`);
  }
  let bound = factories.get(lib);
  if (!bound) {
    bound = new Map();
    factories.set(lib, bound);
  }
  let call = bound.get(name);
  if (!call) {
    call = lib.func(`void* ${name}(void)`) as () => unknown;
    bound.set(name, call);
  }
  return call();
}
