//===- AotRuntime.cpp - The runtime an ahead-of-time object carries -------===//
//
// Compiled steps allocate their temporaries through MLIR's generic
// allocation functions. In the JIT they come from Kiln's workspace; an
// artifact defines them itself, so that it needs nothing but libc:
// aligned_alloc, and when that fails a lazily backed mapping plus a
// thread-local flag that the C entry point turns into an error code
// (compiled code cannot check a null pointer). A header before each block
// holds its header size, its mapping length and its allocation size, so
// free knows which it was. Freed blocks of 64 KiB to 256 MiB wait in a
// thread-local cache of 16 for the next call: through glibc, each call at
// a large batch mapped its temporaries anew and faulted in every page
// (MLP predict at batch 10000: 93k images/s, 361k with the cache).
//
//===----------------------------------------------------------------------===//
#include "compiler/AOT/AotInternal.h"

#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln::aot {
namespace {

// MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE (Linux) = 0x4022; PROT_READ |
// PROT_WRITE = 3.
constexpr const char *kRuntimeIR = R"(
@kiln_aot_failed = thread_local global i32 0

declare ptr @aligned_alloc(i64, i64)
declare void @free(ptr)
declare ptr @mmap(ptr, i64, i32, i32, i32, i64)
declare i32 @munmap(ptr, i64)
declare void @abort()
declare i64 @llvm.umax.i64(i64, i64)

@kiln_aot_cache = thread_local global [16 x ptr] zeroinitializer

define ptr @kiln_aot_alloc(i64 %align, i64 %size) {
entry:
  %a = call i64 @llvm.umax.i64(i64 %align, i64 64)
  %am1 = sub i64 %a, 1
  %s1 = add i64 %size, %am1
  %na = sub i64 0, %a
  %rounded = and i64 %s1, %na
  %total = add i64 %rounded, %a
  %twice = shl i64 %total, 1
  br label %search
search:
  %i = phi i64 [ 0, %entry ], [ %next, %skip ]
  %done = icmp eq i64 %i, 16
  br i1 %done, label %fresh, label %look
look:
  %slot = getelementptr [16 x ptr], ptr @kiln_aot_cache, i64 0, i64 %i
  %c = load ptr, ptr %slot
  %empty = icmp eq ptr %c, null
  br i1 %empty, label %skip, label %check
check:
  %ca.p = getelementptr i8, ptr %c, i64 -8
  %ca = load i64, ptr %ca.p
  %ct.p = getelementptr i8, ptr %c, i64 -24
  %ct = load i64, ptr %ct.p
  %same = icmp eq i64 %ca, %a
  %big = icmp uge i64 %ct, %total
  %near = icmp ule i64 %ct, %twice
  %ok1 = and i1 %same, %big
  %ok = and i1 %ok1, %near
  br i1 %ok, label %reuse, label %skip
reuse:
  store ptr null, ptr %slot
  ret ptr %c
skip:
  %next = add i64 %i, 1
  br label %search
fresh:
  %p = call ptr @aligned_alloc(i64 %a, i64 %total)
  %null = icmp eq ptr %p, null
  br i1 %null, label %map, label %done.block
map:
  store i32 1, ptr @kiln_aot_failed
  %m = call ptr @mmap(ptr null, i64 %total, i32 3, i32 16418, i32 -1, i64 0)
  %mi = ptrtoint ptr %m to i64
  %bad = icmp eq i64 %mi, -1
  br i1 %bad, label %die, label %done.block
die:
  call void @abort()
  unreachable
done.block:
  %base = phi ptr [ %p, %fresh ], [ %m, %map ]
  %mapped = phi i64 [ 0, %fresh ], [ %total, %map ]
  %q = getelementptr i8, ptr %base, i64 %a
  %h1 = getelementptr i8, ptr %q, i64 -8
  store i64 %a, ptr %h1
  %h2 = getelementptr i8, ptr %q, i64 -16
  store i64 %mapped, ptr %h2
  %h3 = getelementptr i8, ptr %q, i64 -24
  store i64 %total, ptr %h3
  ret ptr %q
}

define ptr @_mlir_memref_to_llvm_alloc(i64 %size) {
  %q = call ptr @kiln_aot_alloc(i64 64, i64 %size)
  ret ptr %q
}

define ptr @_mlir_memref_to_llvm_aligned_alloc(i64 %align, i64 %size) {
  %q = call ptr @kiln_aot_alloc(i64 %align, i64 %size)
  ret ptr %q
}

define void @_mlir_memref_to_llvm_free(ptr %q) {
entry:
  %isnull = icmp eq ptr %q, null
  br i1 %isnull, label %out, label %go
go:
  %h1 = getelementptr i8, ptr %q, i64 -8
  %a = load i64, ptr %h1
  %h2 = getelementptr i8, ptr %q, i64 -16
  %mapped = load i64, ptr %h2
  %na = sub i64 0, %a
  %base = getelementptr i8, ptr %q, i64 %na
  %heap = icmp eq i64 %mapped, 0
  br i1 %heap, label %cacheable, label %unmap
cacheable:
  %h3 = getelementptr i8, ptr %q, i64 -24
  %total = load i64, ptr %h3
  %large = icmp uge i64 %total, 65536
  %small = icmp ule i64 %total, 268435456
  %fits = and i1 %large, %small
  br i1 %fits, label %search, label %heapfree
search:
  %i = phi i64 [ 0, %cacheable ], [ %next, %taken ]
  %done = icmp eq i64 %i, 16
  br i1 %done, label %heapfree, label %look
look:
  %slot = getelementptr [16 x ptr], ptr @kiln_aot_cache, i64 0, i64 %i
  %c = load ptr, ptr %slot
  %empty = icmp eq ptr %c, null
  br i1 %empty, label %keep, label %taken
keep:
  store ptr %q, ptr %slot
  br label %out
taken:
  %next = add i64 %i, 1
  br label %search
heapfree:
  call void @free(ptr %base)
  br label %out
unmap:
  %r = call i32 @munmap(ptr %base, i64 %mapped)
  br label %out
out:
  ret void
}

define i32 @kiln_parallel_threads(i32 %compiled) {
  ret i32 %compiled
}

declare i32 @open(ptr, i32, ...)
declare i64 @lseek(i32, i64, i32)
declare i32 @close(i32)
declare i32 @dladdr(ptr, ptr)
declare i64 @strlen(ptr)
declare ptr @malloc(i64)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)

@kiln_aot_weights_suffix = private constant [9 x i8] c".weights\00"

; A weights file (kilnc --weights=external) mapped privately with `prot`:
; the address of its weights after the 64-byte header, or null unless the
; file is exactly that long and its header holds "KILNWTS1", the model's
; fingerprint and `bytes`. open: O_RDONLY | O_CLOEXEC; MAP_PRIVATE = 2.
define ptr @kiln_aot_map_weights(ptr %path, i64 %bytes, i64 %fingerprint, i32 %prot) {
entry:
  %nopath = icmp eq ptr %path, null
  br i1 %nopath, label %fail, label %open
open:
  %fd = call i32 (ptr, i32, ...) @open(ptr %path, i32 524288)
  %nofd = icmp slt i32 %fd, 0
  br i1 %nofd, label %fail, label %size
size:
  %end = call i64 @lseek(i32 %fd, i64 0, i32 2)
  %want = add i64 %bytes, 64
  %sized = icmp eq i64 %end, %want
  br i1 %sized, label %map, label %closefail
map:
  %m = call ptr @mmap(ptr null, i64 %want, i32 %prot, i32 2, i32 %fd, i64 0)
  %c = call i32 @close(i32 %fd)
  %mi = ptrtoint ptr %m to i64
  %nomap = icmp eq i64 %mi, -1
  br i1 %nomap, label %fail, label %check
check:
  %magic = load i64, ptr %m
  %fp.p = getelementptr i8, ptr %m, i64 8
  %fp = load i64, ptr %fp.p
  %len.p = getelementptr i8, ptr %m, i64 16
  %len = load i64, ptr %len.p
  %c1 = icmp eq i64 %magic, 3554277264877963595
  %c2 = icmp eq i64 %fp, %fingerprint
  %c3 = icmp eq i64 %len, %bytes
  %c12 = and i1 %c1, %c2
  %ok = and i1 %c12, %c3
  br i1 %ok, label %good, label %unmap
good:
  %base = getelementptr i8, ptr %m, i64 64
  ret ptr %base
unmap:
  %u = call i32 @munmap(ptr %m, i64 %want)
  br label %fail
closefail:
  %c0 = call i32 @close(i32 %fd)
  br label %fail
fail:
  ret ptr null
}

; "<the file of the binary that holds %symbol>.weights", malloc'ed, or null.
define ptr @kiln_aot_weights_beside(ptr %symbol) {
entry:
  %info = alloca [4 x ptr]
  %r = call i32 @dladdr(ptr %symbol, ptr %info)
  %found = icmp ne i32 %r, 0
  br i1 %found, label %name, label %none
name:
  %f = load ptr, ptr %info
  %fnull = icmp eq ptr %f, null
  br i1 %fnull, label %none, label %len
len:
  %n = call i64 @strlen(ptr %f)
  %empty = icmp eq i64 %n, 0
  br i1 %empty, label %none, label %alloc
alloc:
  %size = add i64 %n, 9
  %s = call ptr @malloc(i64 %size)
  %snull = icmp eq ptr %s, null
  br i1 %snull, label %none, label %fill
fill:
  call void @llvm.memcpy.p0.p0.i64(ptr %s, ptr %f, i64 %n, i1 false)
  %tail = getelementptr i8, ptr %s, i64 %n
  call void @llvm.memcpy.p0.p0.i64(ptr %tail, ptr @kiln_aot_weights_suffix, i64 9, i1 false)
  ret ptr %s
none:
  ret ptr null
}
)";

} // namespace

llvm::Error linkRuntime(llvm::Module &module) {
  llvm::SMDiagnostic diagnostic;
  std::unique_ptr<llvm::Module> runtime =
      llvm::parseAssemblyString(kRuntimeIR, diagnostic, module.getContext());
  if (!runtime) {
    std::string message;
    llvm::raw_string_ostream os(message);
    diagnostic.print("kiln-aot-runtime", os);
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "kilnc: the artifact runtime does not "
                                   "parse: " +
                                       message);
  }
  runtime->setDataLayout(module.getDataLayout());
  runtime->setTargetTriple(module.getTargetTriple());
  // Only what the step uses comes in (and what that calls).
  if (llvm::Linker::linkModules(module, std::move(runtime),
                                llvm::Linker::LinkOnlyNeeded))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "kilnc: cannot link the artifact runtime");
  return llvm::Error::success();
}

} // namespace kiln::aot
