/**
 * A shared cache of one collection: a `Reflector` (list + watch into a store) plus what
 * controller-runtime's informer adds on top — any number of change handlers, and field indexes
 * (`addIndex('secrets', (gw) => ['ns/name', …])`, then `byIndex('secrets', 'ns/name')` → the keys of
 * the objects that reference it).
 *
 * Indexes are updated before handlers run, so a handler that looks up an index sees this change.
 * A handler that throws is logged by the reflector and does not stop the others' next events.
 */
import { objectKey, Reflector, type ChangeType, type KubeObject, type ReflectorOptions } from './reflector.ts';

export type ChangeHandler<T> = (type: ChangeType, obj: T, old: T | undefined) => void;

/**
 * value → object keys, and object key → values (to drop an object's old entries). Almost every
 * value has one object and almost every object one value (its registration id, the one gateway it
 * selects): a single entry is kept as the string itself, a Set or array only from the second on —
 * at 20,000 objects a Set and an array per entry would cost ~8 MiB.
 */
export class FieldIndex<T> {
  readonly #extract: (obj: T) => string[];
  readonly #byValue = new Map<string, string | Set<string>>();
  readonly #byKey = new Map<string, string | string[]>();

  constructor(extract: (obj: T) => string[]) {
    this.#extract = extract;
  }

  update(key: string, obj: T | undefined): void {
    const old = this.#byKey.get(key);
    for (const v of typeof old === 'string' ? [old] : (old ?? [])) this.#remove(v, key);
    const values = obj === undefined ? [] : this.#extract(obj);
    if (values.length === 0) this.#byKey.delete(key);
    else this.#byKey.set(key, values.length === 1 ? values[0]! : values);
    for (const v of values) this.#add(v, key);
  }

  get(value: string): string[] {
    const keys = this.#byValue.get(value);
    return keys === undefined ? [] : typeof keys === 'string' ? [keys] : [...keys];
  }

  #add(value: string, key: string): void {
    const keys = this.#byValue.get(value);
    if (keys === undefined) this.#byValue.set(value, key);
    else if (typeof keys !== 'string') keys.add(key);
    else if (keys !== key) this.#byValue.set(value, new Set([keys, key]));
  }

  #remove(value: string, key: string): void {
    const keys = this.#byValue.get(value);
    if (keys === key) this.#byValue.delete(value);
    else if (typeof keys !== 'string' && keys !== undefined) {
      keys.delete(key);
      if (keys.size === 1) this.#byValue.set(value, keys.values().next().value!);
    }
  }
}

export class Informer<T extends KubeObject> {
  readonly #reflector: Reflector<T>;
  readonly #handlers: ChangeHandler<T>[] = [];
  readonly #indexes = new Map<string, FieldIndex<T>>();

  constructor(options: Omit<ReflectorOptions<T>, 'onChange'>) {
    this.#reflector = new Reflector<T>({ ...options, onChange: (type, obj, old) => this.#dispatch(type, obj, old) });
  }

  /** Maintains index `name` from now on (register before `start`). `extract` must not throw. */
  addIndex(name: string, extract: (obj: T) => string[]): void {
    this.#indexes.set(name, new FieldIndex(extract));
  }

  /** Keys (`namespace/name`) of the objects whose index `name` holds `value`. */
  byIndex(name: string, value: string): string[] {
    const index = this.#indexes.get(name);
    if (!index) throw new Error(`no index "${name}"`);
    return index.get(value);
  }

  onChange(handler: ChangeHandler<T>): void {
    this.#handlers.push(handler);
  }

  #dispatch(type: ChangeType, obj: T, old: T | undefined): void {
    const key = objectKey(obj);
    for (const index of this.#indexes.values()) index.update(key, type === 'DELETED' ? undefined : obj);
    for (const h of this.#handlers) h(type, obj, old);
  }

  start(): Promise<void> {
    return this.#reflector.start();
  }

  stop(): Promise<void> {
    return this.#reflector.stop();
  }

  get hasSynced(): boolean {
    return this.#reflector.hasSynced;
  }

  get(key: string): T | undefined {
    return this.#reflector.get(key);
  }

  list(): T[] {
    return this.#reflector.list();
  }

  get size(): number {
    return this.#reflector.size;
  }

  get stats(): Reflector<T>['stats'] {
    return this.#reflector.stats;
  }

  breakWatch(resumeFrom?: string): void {
    this.#reflector.breakWatch(resumeFrom);
  }
}
