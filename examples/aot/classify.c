/* classify: a C program that classifies the Fashion-MNIST test set with a
 * model compiled ahead of time by kilnc, and prints its accuracy.
 *
 *   kilnc fashion_mnist_cnn.keras --name=model --emit=staticlib -o libmodel.a
 *   cc -O2 -I. classify.c libmodel.a -lz -lm -o classify
 *   ./classify [DIR]        (default /usr/share/datasets/fashion-mnist)
 *
 * or with the model as a shared library:
 *   kilnc fashion_mnist_cnn.keras --name=model -o libmodel.so
 *   cc -O2 -I. classify.c -L. -lmodel -Wl,-rpath,. -lz -lm -o classify
 *
 * The model must be called "model" (kilnc --name=model) and take 784
 * pixels per image, scaled to [0, 1] as the Keras tutorials do, and give
 * one score per class. Only the C library, zlib (the IDX files are
 * gzip-compressed) and the model's own code are involved. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define BATCH 256

/* Reads `count` bytes after a header of `skip` bytes from a gzip file. */
static unsigned char *read_idx(const char *dir, const char *file, long skip,
                               long count) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  gzFile f = gzopen(path, "rb");
  if (!f) {
    fprintf(stderr, "classify: cannot open %s\n", path);
    return NULL;
  }
  unsigned char *bytes = malloc(count);
  unsigned char header[16];
  int ok = bytes && gzread(f, header, (unsigned)skip) == skip &&
           gzread(f, bytes, (unsigned)count) == count;
  gzclose(f);
  if (!ok) {
    fprintf(stderr, "classify: %s is shorter than expected\n", path);
    free(bytes);
    return NULL;
  }
  return bytes;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  const long images = 10000, pixels = 784;
  if (MODEL_INPUT_SIZE != pixels) {
    fprintf(stderr, "classify: the model takes %d values per sample, not %ld\n",
            MODEL_INPUT_SIZE, pixels);
    return 2;
  }
  unsigned char *x = read_idx(dir, "t10k-images-idx3-ubyte.gz", 16,
                              images * pixels);
  unsigned char *y = read_idx(dir, "t10k-labels-idx1-ubyte.gz", 8, images);
  float *in = malloc(sizeof(float) * BATCH * pixels);
  float *out = malloc(sizeof(float) * BATCH * MODEL_OUTPUT_SIZE);
  if (!x || !y || !in || !out)
    return 1;
  long correct = 0;
  for (long start = 0; start < images; start += BATCH) {
    long n = images - start < BATCH ? images - start : BATCH;
    for (long i = 0; i < n * pixels; ++i)
      in[i] = x[start * pixels + i] / 255.0f;
    int rc = model_predict(in, n, out);
    if (rc != MODEL_OK) {
      fprintf(stderr, "classify: model_predict failed with %d\n", rc);
      return 1;
    }
    for (long i = 0; i < n; ++i) {
      const float *scores = out + i * MODEL_OUTPUT_SIZE;
      int best = 0;
      for (int c = 1; c < MODEL_OUTPUT_SIZE; ++c)
        if (scores[c] > scores[best])
          best = c;
      correct += best == y[start + i];
    }
  }
  printf("%s\naccuracy: %ld/%ld = %.4f\n", model_version(), correct, images,
         (double)correct / images);
  free(x);
  free(y);
  free(in);
  free(out);
  return 0;
}
