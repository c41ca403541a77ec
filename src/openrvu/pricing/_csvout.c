/* CSV text of repriced claim lines, written in one pass over columnar data.
 *
 * The bulk repricer holds its input columns as arrow string arrays and its outputs as integer arrays:
 * codes into a few distinct texts (release, rules, error) and hundredths (allowed, wRVU). pyarrow's
 * CSV writer needs every output as a string array first, then copies each field again; this module
 * writes each field straight from where it is. The text is the same as pyarrow's
 * ``write_csv(quoting_style="needed")`` for columns of strings without nulls: every field in double
 * quotes, quotes inside doubled, fields separated by commas, each line ended by "\n" (checked against
 * pyarrow in tests/test_pricing_csvout.py).
 *
 * write_rows(rows, columns) -> bytes, where each column is one of
 *   ("s", offsets, data, width, first)  an arrow string column: offsets of width 4 or 8 bytes, row i
 *                                       spans data[offsets[first + i] : offsets[first + i + 1]]
 *   ("c", codes, offsets, data)         codes (int64, one per row) into texts: text k spans
 *                                       data[offsets[k] : offsets[k + 1]] (offsets int64)
 *   ("m", values, mask)                 int64 hundredths >= 0 written as "12.34"; "" where mask is 0
 * Every buffer is checked against the row count before anything is written.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    char kind;
    Py_buffer views[3];
    int nviews;
    /* "s" */
    const char *off;
    int width;
    Py_ssize_t first;
    const char *data;
    int quoted; /* some field holds a quote: copy field by field, doubling them */
    /* "c" */
    const int64_t *codes;
    const int64_t *text_off;
    Py_ssize_t ntexts;
    char *fields;        /* each text quoted and escaped, as written */
    Py_ssize_t *field_off; /* text k's field: fields[field_off[k] : field_off[k + 1]] */
    /* "m" */
    const int64_t *values;
    const uint8_t *mask;
} Column;

static void release_column(Column *c) {
    for (int i = 0; i < c->nviews; i++) PyBuffer_Release(&c->views[i]);
    c->nviews = 0;
    PyMem_Free(c->fields);
    PyMem_Free(c->field_off);
    c->fields = NULL;
    c->field_off = NULL;
}

/* A read-only view of ``obj`` (None: an empty buffer) of at least ``need`` bytes, kept until the
 * column is released. */
static int take_view(Column *c, PyObject *obj, Py_ssize_t need, const char *what, const void **ptr,
                     Py_ssize_t *len) {
    static const char empty[1] = {0};
    *ptr = empty;
    *len = 0;
    if (obj != Py_None) {
        Py_buffer *v = &c->views[c->nviews];
        if (PyObject_GetBuffer(obj, v, PyBUF_C_CONTIGUOUS) < 0) return -1;
        c->nviews++;
        *ptr = v->buf;
        *len = v->len;
    }
    if (*len < need) {
        PyErr_Format(PyExc_ValueError, "%s: buffer of %zd bytes, %zd needed", what, *len, need);
        return -1;
    }
    return 0;
}

static inline int64_t offset_at(const Column *c, Py_ssize_t i) {
    return c->width == 4 ? (int64_t)((const int32_t *)c->off)[c->first + i]
                         : ((const int64_t *)c->off)[c->first + i];
}

static inline Py_ssize_t escaped_len(const char *p, Py_ssize_t n) {
    Py_ssize_t extra = 0;
    const char *end = p + n, *q;
    while (p < end && (q = memchr(p, '"', (size_t)(end - p))) != NULL) {
        extra++;
        p = q + 1;
    }
    return n + extra;
}

static inline char *put_escaped(char *out, const char *p, Py_ssize_t n) {
    *out++ = '"';
    const char *end = p + n, *q;
    while (p < end && (q = memchr(p, '"', (size_t)(end - p))) != NULL) {
        memcpy(out, p, (size_t)(q - p + 1));
        out += q - p + 1;
        *out++ = '"';
        p = q + 1;
    }
    memcpy(out, p, (size_t)(end - p));
    out += end - p;
    *out++ = '"';
    return out;
}

static inline int digits_of(int64_t v) {
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* Parse one column spec and return the bytes its fields take (quotes included, separators not). */
static Py_ssize_t setup_column(Column *c, PyObject *spec, Py_ssize_t rows) {
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) < 3) {
        PyErr_SetString(PyExc_TypeError, "a column is a tuple (kind, ...)");
        return -1;
    }
    const char *kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(spec, 0));
    if (kind == NULL) return -1;
    c->kind = kind[0];
    Py_ssize_t size = 0;
    if (c->kind == 's' && PyTuple_GET_SIZE(spec) == 5) {
        c->width = (int)PyLong_AsLong(PyTuple_GET_ITEM(spec, 3));
        c->first = PyLong_AsSsize_t(PyTuple_GET_ITEM(spec, 4));
        if (PyErr_Occurred()) return -1;
        if ((c->width != 4 && c->width != 8) || c->first < 0) {
            PyErr_SetString(PyExc_ValueError, "string column: width 4 or 8 and first >= 0");
            return -1;
        }
        const void *ptr;
        Py_ssize_t len;
        if (take_view(c, PyTuple_GET_ITEM(spec, 1), (c->first + rows + 1) * c->width, "offsets", &ptr, &len) < 0)
            return -1;
        c->off = ptr;
        int64_t low = offset_at(c, 0), high = offset_at(c, rows);
        if (take_view(c, PyTuple_GET_ITEM(spec, 2), (Py_ssize_t)high, "data", &ptr, &len) < 0) return -1;
        c->data = ptr;
        int64_t prev = low;
        if (low < 0) goto bad_offsets;
        for (Py_ssize_t i = 1; i <= rows; i++) {
            int64_t o = offset_at(c, i);
            if (o < prev) goto bad_offsets;
            prev = o;
        }
        Py_ssize_t span = (Py_ssize_t)(high - low);
        Py_ssize_t escaped = escaped_len(c->data + low, span);
        c->quoted = escaped != span;
        size = escaped + 2 * rows;
        return size;
    bad_offsets:
        PyErr_SetString(PyExc_ValueError, "string column: offsets not ascending from 0");
        return -1;
    }
    if (c->kind == 'c' && PyTuple_GET_SIZE(spec) == 4) {
        const void *ptr;
        Py_ssize_t len;
        if (take_view(c, PyTuple_GET_ITEM(spec, 1), rows * 8, "codes", &ptr, &len) < 0) return -1;
        c->codes = ptr;
        if (take_view(c, PyTuple_GET_ITEM(spec, 2), 8, "text offsets", &ptr, &len) < 0) return -1;
        c->text_off = ptr;
        c->ntexts = len / 8 - 1;
        if (take_view(c, PyTuple_GET_ITEM(spec, 3), (Py_ssize_t)c->text_off[c->ntexts], "texts", &ptr, &len) < 0)
            return -1;
        c->data = ptr;
        /* each text as the field written for it, then the size of every row's field */
        c->field_off = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(c->ntexts + 1));
        if (c->field_off == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        c->field_off[0] = 0;
        for (Py_ssize_t k = 0; k < c->ntexts; k++) {
            int64_t a = c->text_off[k], b = c->text_off[k + 1];
            if (a < 0 || b < a) {
                PyErr_SetString(PyExc_ValueError, "coded column: text offsets not ascending from 0");
                return -1;
            }
            c->field_off[k + 1] = c->field_off[k] + escaped_len(c->data + a, (Py_ssize_t)(b - a)) + 2;
        }
        c->fields = PyMem_Malloc((size_t)c->field_off[c->ntexts] + 1);
        if (c->fields == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t k = 0; k < c->ntexts; k++)
            put_escaped(c->fields + c->field_off[k], c->data + c->text_off[k],
                        (Py_ssize_t)(c->text_off[k + 1] - c->text_off[k]));
        for (Py_ssize_t i = 0; i < rows; i++) {
            int64_t k = c->codes[i];
            if (k < 0 || k >= c->ntexts) {
                PyErr_Format(PyExc_ValueError, "coded column: code %lld of %zd texts", (long long)k, c->ntexts);
                return -1;
            }
            size += c->field_off[k + 1] - c->field_off[k];
        }
        return size;
    }
    if (c->kind == 'm' && PyTuple_GET_SIZE(spec) == 3) {
        const void *ptr;
        Py_ssize_t len;
        if (take_view(c, PyTuple_GET_ITEM(spec, 1), rows * 8, "values", &ptr, &len) < 0) return -1;
        c->values = ptr;
        if (take_view(c, PyTuple_GET_ITEM(spec, 2), rows, "mask", &ptr, &len) < 0) return -1;
        c->mask = ptr;
        for (Py_ssize_t i = 0; i < rows; i++) {
            size += 2;
            if (!c->mask[i]) continue;
            int64_t v = c->values[i];
            if (v < 0) {
                PyErr_SetString(PyExc_ValueError, "money column: a value below zero");
                return -1;
            }
            size += digits_of(v / 100) + 3;
        }
        return size;
    }
    PyErr_SetString(PyExc_ValueError, "a column is (\"s\", offsets, data, width, first), "
                                      "(\"c\", codes, offsets, data) or (\"m\", values, mask)");
    return -1;
}

static inline char *put_money(char *out, int64_t v) {
    char tmp[24];
    int n = 0;
    int64_t whole = v / 100, cents = v % 100;
    do {
        tmp[n++] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole);
    *out++ = '"';
    while (n) *out++ = tmp[--n];
    *out++ = '.';
    *out++ = (char)('0' + cents / 10);
    *out++ = (char)('0' + cents % 10);
    *out++ = '"';
    return out;
}

static PyObject *write_rows(PyObject *self, PyObject *args) {
    (void)self;
    Py_ssize_t rows;
    PyObject *specs;
    if (!PyArg_ParseTuple(args, "nO!", &rows, &PyList_Type, &specs)) return NULL;
    Py_ssize_t ncols = PyList_GET_SIZE(specs);
    if (rows < 0 || ncols < 1) {
        PyErr_SetString(PyExc_ValueError, "rows >= 0 and at least one column");
        return NULL;
    }
    Column *cols = PyMem_Calloc((size_t)ncols, sizeof(Column));
    if (cols == NULL) return PyErr_NoMemory();
    PyObject *result = NULL;
    Py_ssize_t total = rows * ncols; /* a comma after each field but the last, which gets "\n" */
    for (Py_ssize_t j = 0; j < ncols; j++) {
        Py_ssize_t size = setup_column(&cols[j], PyList_GET_ITEM(specs, j), rows);
        if (size < 0) goto done;
        total += size;
    }
    result = PyBytes_FromStringAndSize(NULL, total);
    if (result == NULL) goto done;
    char *out = PyBytes_AS_STRING(result);
    char *start = out;
    Py_BEGIN_ALLOW_THREADS;
    for (Py_ssize_t i = 0; i < rows; i++) {
        for (Py_ssize_t j = 0; j < ncols; j++) {
            Column *c = &cols[j];
            if (c->kind == 's') {
                int64_t a = offset_at(c, i), b = offset_at(c, i + 1);
                if (c->quoted) {
                    out = put_escaped(out, c->data + a, (Py_ssize_t)(b - a));
                } else {
                    *out++ = '"';
                    memcpy(out, c->data + a, (size_t)(b - a));
                    out += b - a;
                    *out++ = '"';
                }
            } else if (c->kind == 'c') {
                int64_t k = c->codes[i];
                Py_ssize_t n = c->field_off[k + 1] - c->field_off[k];
                memcpy(out, c->fields + c->field_off[k], (size_t)n);
                out += n;
            } else if (c->mask[i]) {
                out = put_money(out, c->values[i]);
            } else {
                *out++ = '"';
                *out++ = '"';
            }
            *out++ = j + 1 < ncols ? ',' : '\n';
        }
    }
    Py_END_ALLOW_THREADS;
    if (out - start != total) { /* cannot happen: the sizes above are exact */
        Py_CLEAR(result);
        PyErr_SetString(PyExc_RuntimeError, "CSV text size differs from its computed size");
    }
done:
    for (Py_ssize_t j = 0; j < ncols; j++) release_column(&cols[j]);
    PyMem_Free(cols);
    return result;
}

static PyMethodDef methods[] = {
    {"write_rows", write_rows, METH_VARARGS,
     "write_rows(rows, columns) -> bytes: the CSV lines of ``rows`` rows of the given columns."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_csvout", NULL, -1, methods};

PyMODINIT_FUNC PyInit__csvout(void) { return PyModule_Create(&module); }
