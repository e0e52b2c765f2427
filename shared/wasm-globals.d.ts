/**
 * The `WebAssembly` namespace, as far as the `wasm` task kind uses it
 * (shared/task/kinds/wasm.ts). TypeScript declares it only in its DOM and WebWorker libs
 * and `@types/node` 22 not at all, so the checks without those libs (shared, relay,
 * worker/node) include this file. Signatures follow TypeScript's lib.dom.d.ts.
 */
declare namespace WebAssembly {
  type ImportExportKind = 'function' | 'global' | 'memory' | 'table'
  interface ModuleImportDescriptor {
    kind: ImportExportKind
    module: string
    name: string
  }
  type ExportValue = unknown
  type Exports = Record<string, ExportValue>
  type ImportValue = unknown
  type Imports = Record<string, Record<string, ImportValue>>

  // biome-ignore lint/suspicious/noEmptyInterface: an opaque compiled module, as lib.dom.d.ts declares it
  interface Module {}
  var Module: {
    prototype: Module
    new (bytes: ArrayBufferView<ArrayBuffer> | ArrayBuffer): Module
    imports(moduleObject: Module): ModuleImportDescriptor[]
  }

  interface Instance {
    readonly exports: Exports
  }
  var Instance: { prototype: Instance; new (module: Module, importObject?: Imports): Instance }

  interface MemoryDescriptor {
    initial: number
    maximum?: number
    shared?: boolean
  }
  interface Memory {
    readonly buffer: ArrayBuffer
    grow(delta: number): number
  }
  var Memory: { prototype: Memory; new (descriptor: MemoryDescriptor): Memory }

  interface RuntimeError extends Error {}
  var RuntimeError: { prototype: RuntimeError; new (message?: string): RuntimeError }

  function compile(bytes: ArrayBufferView<ArrayBuffer> | ArrayBuffer): Promise<Module>
  function instantiate(moduleObject: Module, importObject?: Imports): Promise<Instance>
}
