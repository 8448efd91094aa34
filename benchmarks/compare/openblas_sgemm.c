// OpenBLAS cblas_sgemm reference for the matmul rows of benchmarks/compare:
// C = A * B, row-major, square N x N, f32, 64-byte aligned buffers (as
// Kiln's Tensor). One JSON line per (size, threads):
//   {"fw":"openblas","bench":"matmul","n":512,"threads":1,"unit":"GFLOP/s",...}
//   openblas-sgemm [--sizes 256,512,1024,2048] [--threads 1,2] [--min-time S]
//                  [--min-samples K] [--max-samples M]
// (--sizes 0 prints only the info line.)
// The thread count is set with openblas_set_num_threads, so one process
// covers 1 and 2 threads; OPENBLAS_CORETYPE comes from the environment.
#define _POSIX_C_SOURCE 200809L
#define _ISOC11_SOURCE
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char *openblas_get_corename(void);
extern char *openblas_get_config(void);
extern void openblas_set_num_threads(int);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int parseList(const char *s, int *out, int max) {
  int n = 0;
  while (*s && n < max) {
    out[n++] = atoi(s);
    const char *c = strchr(s, ',');
    if (!c) break;
    s = c + 1;
  }
  return n;
}

int main(int argc, char **argv) {
  int sizes[16] = {256, 512, 1024, 2048}, nsizes = 4;
  int threads[8] = {1, 2}, nthreads = 2;
  double minTime = 1.0;
  int minSamples = 5, maxSamples = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--sizes")) nsizes = parseList(argv[i + 1], sizes, 16);
    else if (!strcmp(argv[i], "--threads")) nthreads = parseList(argv[i + 1], threads, 8);
    else if (!strcmp(argv[i], "--min-time")) minTime = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--min-samples")) minSamples = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--max-samples")) maxSamples = atoi(argv[i + 1]);
    else { fprintf(stderr, "unknown flag %s\n", argv[i]); return 2; }
  }
  const char *coretype = getenv("OPENBLAS_CORETYPE");
  printf("{\"fw\":\"openblas\",\"bench\":\"info\",\"corename\":\"%s\",\"config\":\"%s\","
         "\"OPENBLAS_CORETYPE\":\"%s\"}\n",
         openblas_get_corename(), openblas_get_config(), coretype ? coretype : "");
  fflush(stdout);
  for (int s = 0; s < nsizes; ++s) {
    int n = sizes[s];
    if (n <= 0) // --sizes 0: only the info line
      continue;
    size_t bytes = (size_t)n * n * sizeof(float);
    float *a = aligned_alloc(64, bytes), *b = aligned_alloc(64, bytes), *c = aligned_alloc(64, bytes);
    srand(42);
    for (size_t i = 0; i < (size_t)n * n; ++i) {
      a[i] = (float)rand() / RAND_MAX - 0.5f;
      b[i] = (float)rand() / RAND_MAX - 0.5f;
      c[i] = 0;
    }
    for (int t = 0; t < nthreads; ++t) {
      openblas_set_num_threads(threads[t]);
      // Warm-up: thread pool, caches, page faults.
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
      double *gf = malloc(sizeof(double) * maxSamples);
      int k = 0;
      double start = now();
      while (k < maxSamples && (k < minSamples || now() - start < minTime)) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double dt = now() - t0;
        gf[k++] = 2.0 * n * (double)n * n / dt * 1e-9;
      }
      qsort(gf, k, sizeof(double), cmp);
      double median = k % 2 ? gf[k / 2] : 0.5 * (gf[k / 2 - 1] + gf[k / 2]);
      printf("{\"fw\":\"openblas\",\"bench\":\"matmul\",\"n\":%d,\"threads\":%d,\"unit\":\"GFLOP/s\","
             "\"median\":%.3f,\"min\":%.3f,\"max\":%.3f,\"samples\":%d,\"corename\":\"%s\"}\n",
             n, threads[t], median, gf[0], gf[k - 1], k, openblas_get_corename());
      fflush(stdout);
      free(gf);
    }
    free(a), free(b), free(c);
  }
  return 0;
}
