/* aot_bench: prediction speed of a model compiled by kilnc (--name=model,
 * a static library), with kiln-compare's protocol for its mlp_infer rows:
 * batch 1 as one call per test image (microseconds per image), and the
 * whole Fashion-MNIST test set in one call (images per second); medians of
 * RUNS runs. Prints one JSON object per line.
 *
 *   aot_bench [N1=1000] [RUNS=7] [DIR=/usr/share/datasets/fashion-mnist] */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
  long n1 = argc > 1 ? atol(argv[1]) : 1000;
  int runs = argc > 2 ? atoi(argv[2]) : 7;
  const char *dir = argc > 3 ? argv[3] : "/usr/share/datasets/fashion-mnist";
  const long images = 10000, pixels = 784;
  if (MODEL_INPUT_SIZE != pixels || runs < 1 || runs > 100 || n1 < 1 ||
      n1 > images) {
    fprintf(stderr, "aot_bench: a 784-pixel model, 1-100 runs, 1-10000 images\n");
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte.gz", dir);
  gzFile f = gzopen(path, "rb");
  unsigned char header[16], *bytes = malloc(images * pixels);
  float *x = malloc(sizeof(float) * images * pixels);
  float *y = malloc(sizeof(float) * images * MODEL_OUTPUT_SIZE);
  if (!f || !bytes || !x || !y || gzread(f, header, 16) != 16 ||
      gzread(f, bytes, images * pixels) != images * pixels) {
    fprintf(stderr, "aot_bench: cannot read %s\n", path);
    return 1;
  }
  gzclose(f);
  for (long i = 0; i < images * pixels; ++i)
    x[i] = bytes[i] / 255.0f;

  double v[100];
  for (long i = 0; i < 50 && i < n1; ++i) /* warm-up */
    model_predict(x + i * pixels, 1, y);
  for (int r = 0; r < runs; ++r) {
    double t0 = now();
    for (long i = 0; i < n1; ++i)
      if (model_predict(x + i * pixels, 1, y + i * MODEL_OUTPUT_SIZE) != MODEL_OK)
        return 1;
    v[r] = (now() - t0) / n1 * 1e6;
  }
  printf("{\"fw\":\"kiln-aot\",\"bench\":\"mlp_infer_b1\",\"batch\":1,"
         "\"unit\":\"us/sample\",\"median\":%.3f}\n", median(v, runs));
  model_predict(x, images, y); /* warm-up */
  for (int r = 0; r < runs; ++r) {
    double t0 = now();
    if (model_predict(x, images, y) != MODEL_OK)
      return 1;
    v[r] = images / (now() - t0);
  }
  printf("{\"fw\":\"kiln-aot\",\"bench\":\"mlp_infer_b10000\",\"batch\":%ld,"
         "\"unit\":\"images/s\",\"median\":%.3f}\n", images, median(v, runs));
  free(bytes);
  free(x);
  free(y);
  return 0;
}
