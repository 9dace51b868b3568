import koffi from 'koffi';

/** A loaded native library (koffi's handle): `lib.func('int add(int a, int b)')` binds a function. */
export type Library = ReturnType<typeof koffi.load>;

/** What a program gets from the loader. */
export interface LoadedLibrary {
  lib: Library;
  /** Absolute path of the loaded file. */
  path: string;
}

/** Load the shared library at `path` with koffi (the dynamic loader's own refcount makes a reload cheap). */
export function loadLibrary(path: string): Library {
  return koffi.load(path);
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
