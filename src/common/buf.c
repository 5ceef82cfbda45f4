#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "vpnd/buf.h"

void verr_set(struct verr *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

bool rb_u8(struct rbuf *r, uint8_t *v)
{
	if (rb_left(r) < 1)
		return false;
	*v = r->p[r->off++];
	return true;
}

bool rb_u16(struct rbuf *r, uint16_t *v)
{
	if (rb_left(r) < 2)
		return false;
	*v = get_u16(r->p + r->off);
	r->off += 2;
	return true;
}

bool rb_u32(struct rbuf *r, uint32_t *v)
{
	if (rb_left(r) < 4)
		return false;
	*v = get_u32(r->p + r->off);
	r->off += 4;
	return true;
}

bool rb_ptr(struct rbuf *r, size_t n, const uint8_t **p)
{
	if (rb_left(r) < n)
		return false;
	*p = r->p + r->off;
	r->off += n;
	return true;
}

bool rb_copy(struct rbuf *r, void *dst, size_t n)
{
	const uint8_t *p;

	if (!rb_ptr(r, n, &p))
		return false;
	if (n)
		memcpy(dst, p, n);
	return true;
}

bool rb_skip(struct rbuf *r, size_t n)
{
	const uint8_t *p;

	return rb_ptr(r, n, &p);
}

void wb_init(struct wbuf *w)
{
	memset(w, 0, sizeof(*w));
}

void wb_free(struct wbuf *w)
{
	if (w->p)
		OPENSSL_cleanse(w->p, w->cap);
	free(w->p);
	wb_init(w);
}

void wb_reset(struct wbuf *w)
{
	if (w->p)
		OPENSSL_cleanse(w->p, w->len);
	w->len = 0;
	w->oom = false;
}

bool wb_reserve(struct wbuf *w, size_t extra)
{
	size_t need, cap;
	uint8_t *np;

	if (w->oom)
		return false;
	if (extra > SIZE_MAX - w->len) {
		w->oom = true;
		return false;
	}
	need = w->len + extra;
	if (need <= w->cap)
		return true;
	cap = w->cap ? w->cap : 256;
	while (cap < need)
		cap *= 2;
	/* No realloc: the old block may hold secrets and must be wiped. */
	np = malloc(cap);
	if (!np) {
		w->oom = true;
		return false;
	}
	if (w->len)
		memcpy(np, w->p, w->len);
	if (w->p) {
		OPENSSL_cleanse(w->p, w->cap);
		free(w->p);
	}
	w->p = np;
	w->cap = cap;
	return true;
}

void wb_put(struct wbuf *w, const void *src, size_t n)
{
	if (!wb_reserve(w, n))
		return;
	if (n)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

void wb_zero(struct wbuf *w, size_t n)
{
	if (!wb_reserve(w, n))
		return;
	memset(w->p + w->len, 0, n);
	w->len += n;
}

void wb_u8(struct wbuf *w, uint8_t v)
{
	wb_put(w, &v, 1);
}

void wb_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2];

	put_u16(b, v);
	wb_put(w, b, 2);
}

void wb_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4];

	put_u32(b, v);
	wb_put(w, b, 4);
}

void wb_printf(struct wbuf *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !wb_reserve(w, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf((char *)w->p + w->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	w->len += (size_t)n;
}

void wb_patch_u16(struct wbuf *w, size_t off, uint16_t v)
{
	if (!w->oom && off + 2 <= w->len)
		put_u16(w->p + off, v);
}

void wb_patch_u32(struct wbuf *w, size_t off, uint32_t v)
{
	if (!w->oom && off + 4 <= w->len)
		put_u32(w->p + off, v);
}

bool chunk_alloc(struct chunk *c, size_t n)
{
	c->p = calloc(1, n ? n : 1);
	c->len = c->p ? n : 0;
	return c->p != NULL;
}

void *secure_zalloc(size_t n)
{
	void *p = NULL;

	if (CRYPTO_secure_malloc_initialized())
		p = OPENSSL_secure_zalloc(n ? n : 1);
	/* Not set up (tests, tools) or full: ordinary memory, still wiped
	 * on free. */
	return p ? p : calloc(1, n ? n : 1);
}

void secure_free(void *p, size_t n)
{
	if (!p)
		return;
	if (CRYPTO_secure_allocated(p)) {
		OPENSSL_secure_clear_free(p, n);
		return;
	}
	OPENSSL_cleanse(p, n);
	free(p);
}

bool chunk_secure_alloc(struct chunk *c, size_t n)
{
	c->p = secure_zalloc(n);
	c->len = c->p ? n : 0;
	return c->p != NULL;
}

bool chunk_secure_set(struct chunk *c, const void *src, size_t n)
{
	chunk_free(c);
	if (!chunk_secure_alloc(c, n))
		return false;
	if (n)
		memcpy(c->p, src, n);
	return true;
}

bool chunk_set(struct chunk *c, const void *src, size_t n)
{
	chunk_free(c);
	if (!chunk_alloc(c, n))
		return false;
	if (n)
		memcpy(c->p, src, n);
	return true;
}

void chunk_free(struct chunk *c)
{
	secure_free(c->p, c->len);
	c->p = NULL;
	c->len = 0;
}

bool chunk_eq(const struct chunk *a, const void *b, size_t n)
{
	return a->len == n && (n == 0 || memcmp(a->p, b, n) == 0);
}

void *array_room(void *arr, size_t n, size_t *cap, size_t elem)
{
	size_t want;
	char *p;

	if (n < *cap)
		return arr;
	want = *cap ? 2 * *cap : 8;
	if (want < *cap || want > SIZE_MAX / elem)
		return NULL;
	p = realloc(arr, want * elem);
	if (!p)
		return NULL;
	memset(p + *cap * elem, 0, (want - *cap) * elem);
	*cap = want;
	return p;
}
