/* The main program of an executable that kilnc builds (--emit=exe): reads
 * samples from a .npy, IDX (gzip-compressed or not) or CSV file, runs the
 * model compiled into the same executable, and writes its outputs (or
 * classes) as .npy or CSV. C and zlib only, so the executable needs nothing
 * but libc at run time (zlib is linked statically).
 *
 * The model object defines kiln_exe_model_predict / _version and the
 * shapes kiln_exe_input_dims / kiln_exe_output_dims ({rank, dims...},
 * without the batch). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

extern int kiln_exe_model_predict(const float *in, int64_t n, float *out);
extern const char *kiln_exe_model_version(void);
extern const int64_t kiln_exe_input_dims[];
extern const int64_t kiln_exe_output_dims[];
/* Defined when the weights are external (kilnc --weights=external). */
extern int kiln_exe_model_load_weights(const char *path) __attribute__((weak));
/* Defined when the model runs on a GPU (kilnc --target=sm_NN). */
extern const char *kiln_exe_model_gpu_error(void) __attribute__((weak));

static const char *program = "model";

static void die(const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "%s: ", program);
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  exit(1);
}

static int64_t dims_size(const int64_t *dims) {
  int64_t n = 1;
  for (int64_t i = 1; i <= dims[0]; ++i)
    n *= dims[i];
  return n;
}

static void dims_text(const int64_t *dims, char *buf, size_t size) {
  size_t used = snprintf(buf, size, "(");
  for (int64_t i = 1; i <= dims[0] && used < size; ++i)
    used += snprintf(buf + used, size - used, "%s%lld", i > 1 ? ", " : "",
                     (long long)dims[i]);
  if (used < size)
    snprintf(buf + used, size - used, dims[0] == 1 ? ",)" : ")");
}

/* The whole file, decompressed when it is gzip (zlib reads plain files as
 * they are). */
static unsigned char *read_all(const char *path, size_t *size) {
  gzFile f = gzopen(path, "rb");
  if (!f)
    die("cannot open %s: %s", path, strerror(errno ? errno : ENOENT));
  size_t cap = 1 << 20, len = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (!buf)
      die("out of memory reading %s%s", path, "");
    if (len == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      continue;
    }
    int n = gzread(f, buf + len, (unsigned)(cap - len > (1u << 30) ? (1u << 30) : cap - len));
    if (n < 0)
      die("cannot read %s: corrupt or truncated data%s", path, "");
    if (n == 0)
      break;
    len += (size_t)n;
  }
  gzclose(f);
  *size = len;
  return buf;
}

typedef struct {
  float *data;
  int64_t rows, cols; /* cols: values per sample */
} Samples;

static float load_value(const unsigned char *p, char kind, int bytes) {
  if (kind == 'f' && bytes == 4) {
    float v;
    memcpy(&v, p, 4);
    return v;
  }
  if (kind == 'f' && bytes == 8) {
    double v;
    memcpy(&v, p, 8);
    return (float)v;
  }
  if (kind == 'u' && bytes == 1)
    return (float)p[0];
  if (kind == 'i' && bytes == 4) {
    int32_t v;
    memcpy(&v, p, 4);
    return (float)v;
  }
  int64_t v;
  memcpy(&v, p, 8);
  return (float)v;
}

static Samples convert(const char *path, const unsigned char *p, int64_t rows,
                       int64_t cols, char kind, int bytes) {
  Samples s = {malloc(sizeof(float) * (size_t)(rows * cols + 1)), rows, cols};
  if (!s.data)
    die("out of memory for %s%s", path, "");
  for (int64_t i = 0; i < rows * cols; ++i)
    s.data[i] = load_value(p + i * bytes, kind, bytes);
  return s;
}

static Samples read_npy(const char *path, const unsigned char *buf, size_t size) {
  if (size < 10)
    die("%s: truncated .npy header%s", path, "");
  size_t hlen = buf[8] | (buf[9] << 8), start = 10;
  if (buf[6] >= 2) {
    if (size < 12)
      die("%s: truncated .npy header%s", path, "");
    hlen = buf[8] | (buf[9] << 8) | ((size_t)buf[10] << 16) | ((size_t)buf[11] << 24);
    start = 12;
  }
  if (start + hlen > size)
    die("%s: truncated .npy header%s", path, "");
  char header[4096];
  size_t n = hlen < sizeof header - 1 ? hlen : sizeof header - 1;
  memcpy(header, buf + start, n);
  header[n] = 0;
  const char *d = strstr(header, "'descr':");
  if (!d || !strstr(header, "'fortran_order': False"))
    die("%s: only C-order .npy arrays are read%s", path, "");
  d = strchr(d + 8, '\'');
  if (!d)
    die("%s: malformed .npy header%s", path, "");
  char kind = d[2];
  int bytes = atoi(d + 3);
  int ok = (d[1] == '<' || d[1] == '|') &&
           ((kind == 'f' && (bytes == 4 || bytes == 8)) ||
            (kind == 'u' && bytes == 1) ||
            (kind == 'i' && (bytes == 4 || bytes == 8)));
  if (!ok) {
    char descr[16] = {0};
    const char *e = strchr(d + 1, '\'');
    memcpy(descr, d + 1, e && e - d - 1 < 15 ? (size_t)(e - d - 1) : 3);
    die("%s: unsupported dtype '%s' (float32/64, uint8, int32/64, little-endian)", path, descr);
  }
  const char *sh = strstr(header, "'shape': (");
  if (!sh)
    die("%s: malformed .npy header%s", path, "");
  sh += 10;
  int64_t rows = -1, cols = 1;
  while (*sh && *sh != ')') {
    char *end;
    long long v = strtoll(sh, &end, 10);
    if (end == sh)
      break;
    if (rows < 0)
      rows = v;
    else
      cols *= v;
    sh = end;
    while (*sh == ',' || *sh == ' ')
      ++sh;
  }
  if (rows < 0)
    die("%s: a scalar is not a batch of samples%s", path, "");
  size_t need = (size_t)(rows * cols) * (size_t)bytes;
  if (start + hlen + need > size)
    die("%s: truncated .npy data%s", path, "");
  return convert(path, buf + start + hlen, rows, cols, kind, bytes);
}

static Samples read_idx(const char *path, const unsigned char *buf, size_t size) {
  int type = buf[2], ndim = buf[3];
  if ((type != 0x08 && type != 0x0D) || ndim < 1 || size < 4 + 4 * (size_t)ndim)
    die("%s: unsupported IDX file (uint8 or float32 data)%s", path, "");
  int64_t rows = 0, cols = 1;
  for (int i = 0; i < ndim; ++i) {
    const unsigned char *q = buf + 4 + 4 * i;
    int64_t d = ((int64_t)q[0] << 24) | (q[1] << 16) | (q[2] << 8) | q[3];
    if (i == 0)
      rows = d;
    else
      cols *= d;
  }
  int bytes = type == 0x08 ? 1 : 4;
  size_t start = 4 + 4 * (size_t)ndim;
  if (start + (size_t)(rows * cols) * bytes > size)
    die("%s: truncated IDX data%s", path, "");
  if (type == 0x08)
    return convert(path, buf + start, rows, cols, 'u', 1);
  /* IDX float32 is big-endian. */
  Samples s = {malloc(sizeof(float) * (size_t)(rows * cols + 1)), rows, cols};
  if (!s.data)
    die("out of memory for %s%s", path, "");
  for (int64_t i = 0; i < rows * cols; ++i) {
    const unsigned char *q = buf + start + 4 * i;
    uint32_t u = ((uint32_t)q[0] << 24) | (q[1] << 16) | (q[2] << 8) | q[3];
    memcpy(&s.data[i], &u, 4);
  }
  return s;
}

static Samples read_csv(const char *path, unsigned char *buf, size_t size) {
  Samples s = {NULL, 0, -1};
  size_t cap = 0, count = 0;
  char *p = (char *)buf, *end = (char *)buf + size;
  int64_t line = 0;
  while (p < end) {
    char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
      eol = end;
    *eol = 0;
    ++line;
    int64_t fields = 0;
    char *q = p;
    while (*q == ' ' || *q == '\t' || *q == '\r')
      ++q;
    if (*q) {
      for (;;) {
        char *e;
        errno = 0;
        float v = strtof(q, &e);
        if (e == q) {
          char where[32];
          snprintf(where, sizeof where, "%lld", (long long)line);
          die("%s: line %s has a value that is not a number", path, where);
        }
        if (count == cap) {
          cap = cap ? cap * 2 : 4096;
          s.data = realloc(s.data, cap * sizeof(float));
          if (!s.data)
            die("out of memory for %s%s", path, "");
        }
        s.data[count++] = v;
        ++fields;
        q = e;
        while (*q == ' ' || *q == '\t' || *q == '\r')
          ++q;
        if (*q != ',')
          break;
        ++q;
      }
      if (s.cols < 0)
        s.cols = fields;
      else if (fields != s.cols) {
        char where[32];
        snprintf(where, sizeof where, "%lld", (long long)line);
        die("%s: line %s has a different number of values than the first", path, where);
      }
      ++s.rows;
    }
    p = eol + 1;
  }
  if (s.rows == 0)
    die("%s: no samples%s", path, "");
  return s;
}

static Samples read_samples(const char *path) {
  size_t size;
  unsigned char *buf = read_all(path, &size);
  Samples s;
  if (size >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0)
    s = read_npy(path, buf, size);
  else if (size >= 4 && buf[0] == 0 && buf[1] == 0)
    s = read_idx(path, buf, size);
  else
    s = read_csv(path, buf, size);
  free(buf);
  return s;
}

static void write_npy(FILE *f, const char *descr, int64_t rows, int64_t cols,
                      const void *data, size_t bytes) {
  char header[128];
  int n = cols > 0 ? snprintf(header, sizeof header,
                              "{'descr': '%s', 'fortran_order': False, 'shape': (%lld, %lld), }",
                              descr, (long long)rows, (long long)cols)
                   : snprintf(header, sizeof header,
                              "{'descr': '%s', 'fortran_order': False, 'shape': (%lld,), }",
                              descr, (long long)rows);
  int total = ((10 + n + 1 + 63) / 64) * 64;
  unsigned short hlen = (unsigned short)(total - 10);
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fputc(hlen & 0xff, f);
  fputc(hlen >> 8, f);
  fwrite(header, 1, (size_t)n, f);
  for (int i = 10 + n; i < total - 1; ++i)
    fputc(' ', f);
  fputc('\n', f);
  fwrite(data, 1, bytes, f);
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void usage(FILE *f) {
  char in[128], out[128];
  dims_text(kiln_exe_input_dims, in, sizeof in);
  dims_text(kiln_exe_output_dims, out, sizeof out);
  fprintf(f,
          "usage: %s [options] INPUT\n"
          "Runs the model compiled into this program (%s) on the samples of INPUT.\n"
          "One sample's input has shape %s, its output %s (float32).\n\n"
          "INPUT: a .npy array (float32/64, uint8, int32/64), an IDX file (uint8 or\n"
          "       float32, gzip-compressed or not) or CSV (one sample per line),\n"
          "       with the samples first: (n, %lld values) in any shape.\n"
          "  -o OUT       .npy (float32, or int64 classes) or .csv; default: CSV on stdout\n"
          "  --classes    write the arg-max class of each sample instead of its scores\n"
          "  --scale S    multiply every input value by S (1/255 = 0.00392156862745098)\n"
          "  --labels F   compare the classes with the labels in F and print the accuracy\n"
          "  --batch N    samples per call of the model (default 256)\n"
          "  --weights F  the model's weights file (built with external weights;\n"
          "               default: $KILN_EXE_MODEL_WEIGHTS, else this program's\n"
          "               path + .weights)\n"
          "  --version    print what compiled the model\n"
          "  --help       print this\n",
          program, kiln_exe_model_version(), in, out,
          (long long)dims_size(kiln_exe_input_dims));
}

int main(int argc, char **argv) {
  const char *input = NULL, *output = NULL, *labels_path = NULL,
             *weights = NULL;
  int classes = 0;
  double scale = 1.0;
  long batch = 256;
  program = argv[0];
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--version")) {
      printf("%s\n", kiln_exe_model_version());
      return 0;
    } else if (!strcmp(a, "--classes")) {
      classes = 1;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--scale") ||
               !strcmp(a, "--labels") || !strcmp(a, "--batch") ||
               !strcmp(a, "--weights")) {
      if (!value)
        die("%s needs a value%s", a, "");
      char *end;
      if (!strcmp(a, "-o"))
        output = value;
      else if (!strcmp(a, "--weights"))
        weights = value;
      else if (!strcmp(a, "--labels"))
        labels_path = value;
      else if (!strcmp(a, "--scale")) {
        scale = strtod(value, &end);
        if (*end || end == value)
          die("--scale takes a number, not '%s'%s", value, "");
      } else {
        batch = strtol(value, &end, 10);
        if (*end || end == value || batch < 1)
          die("--batch takes a positive integer, not '%s'%s", value, "");
      }
      ++i;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "%s: unknown option %s\n", program, a);
      usage(stderr);
      return 2;
    } else if (input) {
      die("one INPUT file, not '%s' and '%s'", input, a);
    } else {
      input = a;
    }
  }
  if (!input) {
    usage(stderr);
    return 2;
  }
  if (weights) {
    if (!kiln_exe_model_load_weights)
      die("--weights: this program's weights are built in (kilnc "
          "--weights=external makes them a file)%s%s", "", "");
    if (kiln_exe_model_load_weights(weights) != 0)
      die("%s is not a weights file of this model (or cannot be read)%s",
          weights, "");
  }
  Samples x = read_samples(input);
  int64_t per_in = dims_size(kiln_exe_input_dims);
  int64_t per_out = dims_size(kiln_exe_output_dims);
  if (x.cols != per_in) {
    char got[32], shape[128], want[160];
    snprintf(got, sizeof got, "%lld", (long long)x.cols);
    dims_text(kiln_exe_input_dims, shape, sizeof shape);
    snprintf(want, sizeof want, "%lld (shape %s)", (long long)per_in, shape);
    fprintf(stderr, "%s: %s has %s values per sample, but the model takes %s\n",
            program, input, got, want);
    return 1;
  }
  if (scale != 1.0)
    for (int64_t i = 0; i < x.rows * x.cols; ++i)
      x.data[i] = (float)(x.data[i] * scale);
  float *y = malloc(sizeof(float) * (size_t)(x.rows * per_out + 1));
  if (!y)
    die("out of memory for the outputs%s%s", "", "");
  for (int64_t start = 0; start < x.rows; start += batch) {
    int64_t n = x.rows - start < batch ? x.rows - start : batch;
    int rc = kiln_exe_model_predict(x.data + start * per_in, n, y + start * per_out);
    if (rc == 3)
      die("no weights: %s.weights is missing or not this model's (give "
          "--weights FILE)%s", program, "");
    if (rc == 4)
      die("the model cannot run on the GPU: %s%s",
          kiln_exe_model_gpu_error ? kiln_exe_model_gpu_error() : "", "");
    if (rc != 0)
      die(rc == 2 ? "the model ran out of memory%s%s"
                  : "the model refused its arguments%s%s", "", "");
  }
  int64_t *cls = NULL;
  if (classes || labels_path) {
    cls = malloc(sizeof(int64_t) * (size_t)(x.rows + 1));
    if (!cls)
      die("out of memory for the classes%s%s", "", "");
    for (int64_t i = 0; i < x.rows; ++i) {
      const float *s = y + i * per_out;
      int64_t best = 0;
      if (per_out == 1)
        best = s[0] > 0.5f;
      else
        for (int64_t c = 1; c < per_out; ++c)
          if (s[c] > s[best])
            best = c;
      cls[i] = best;
    }
  }
  if (labels_path) {
    Samples l = read_samples(labels_path);
    if (l.rows * l.cols != x.rows) {
      char a[32], b[32];
      snprintf(a, sizeof a, "%lld", (long long)(l.rows * l.cols));
      snprintf(b, sizeof b, "%lld", (long long)x.rows);
      die("the labels file has %s labels for %s samples", a, b);
    }
    int64_t correct = 0;
    for (int64_t i = 0; i < x.rows; ++i)
      correct += (int64_t)l.data[i] == cls[i];
    fprintf(stderr, "accuracy: %lld/%lld = %.4f\n", (long long)correct,
            (long long)x.rows, (double)correct / (double)x.rows);
    free(l.data);
  }
  /* A file is written to OUT.partial and renamed: a failed write leaves no
   * half file. Anything else (/dev/null, a pipe) is written as it is. */
  char partial[4096];
  FILE *f = stdout;
  struct stat st;
  int whole = output && (stat(output, &st) != 0 || S_ISREG(st.st_mode));
  if (output) {
    snprintf(partial, sizeof partial, "%s", output);
    if (whole)
      snprintf(partial, sizeof partial, "%s.partial", output);
    f = fopen(partial, "wb");
    if (!f)
      die("cannot write %s: %s", output, strerror(errno));
  }
  if (output && ends_with(output, ".npy")) {
    if (classes)
      write_npy(f, "<i8", x.rows, 0, cls, sizeof(int64_t) * (size_t)x.rows);
    else
      write_npy(f, "<f4", x.rows, per_out, y, sizeof(float) * (size_t)(x.rows * per_out));
  } else {
    for (int64_t i = 0; i < x.rows; ++i) {
      if (classes) {
        fprintf(f, "%lld\n", (long long)cls[i]);
        continue;
      }
      for (int64_t c = 0; c < per_out; ++c)
        fprintf(f, "%s%.9g", c ? "," : "", y[i * per_out + c]);
      fputc('\n', f);
    }
  }
  if (output) {
    int failed = ferror(f);
    if (fclose(f) != 0 || failed || (whole && rename(partial, output) != 0)) {
      int e = errno;
      if (whole)
        remove(partial);
      die("cannot write %s: %s", output, strerror(e ? e : EIO));
    }
  }
  free(x.data);
  free(y);
  free(cls);
  return 0;
}
