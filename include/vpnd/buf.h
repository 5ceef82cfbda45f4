/* Bounded byte readers and growable writers. Every wire parser reads
 * through struct rbuf so that no length field is ever trusted. */
#ifndef VPND_BUF_H
#define VPND_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A reason a parse or an operation failed, for the log and the user. */
struct verr {
	char msg[200];
};

void verr_set(struct verr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline void rb_init(struct rbuf *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

static inline size_t rb_left(const struct rbuf *r)
{
	return r->len - r->off;
}

bool rb_u8(struct rbuf *r, uint8_t *v);
bool rb_u16(struct rbuf *r, uint16_t *v);
bool rb_u32(struct rbuf *r, uint32_t *v);
/* Points *p at the next n bytes (no copy) and advances. */
bool rb_ptr(struct rbuf *r, size_t n, const uint8_t **p);
bool rb_copy(struct rbuf *r, void *dst, size_t n);
bool rb_skip(struct rbuf *r, size_t n);

/* Growable output buffer. Allocation failure sticks in 'oom' so that
 * builders can chain writes and check once at the end. */
struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool oom;
};

void wb_init(struct wbuf *w);
/* Frees; wipes the contents first (buffers may hold key material). */
void wb_free(struct wbuf *w);
void wb_reset(struct wbuf *w);
bool wb_reserve(struct wbuf *w, size_t extra);
void wb_u8(struct wbuf *w, uint8_t v);
void wb_u16(struct wbuf *w, uint16_t v);
void wb_u32(struct wbuf *w, uint32_t v);
void wb_put(struct wbuf *w, const void *src, size_t n);
void wb_zero(struct wbuf *w, size_t n);
void wb_printf(struct wbuf *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void wb_patch_u16(struct wbuf *w, size_t off, uint16_t v);
void wb_patch_u32(struct wbuf *w, size_t off, uint32_t v);

/* Owned byte string; chunk_free wipes before freeing. */
struct chunk {
	uint8_t *p;
	size_t len;
};

bool chunk_set(struct chunk *c, const void *src, size_t n);
bool chunk_alloc(struct chunk *c, size_t n);
/* For key material: from OpenSSL's secure heap (locked, left out of core
 * dumps) once the daemon set it up, ordinary memory otherwise. */
bool chunk_secure_set(struct chunk *c, const void *src, size_t n);
bool chunk_secure_alloc(struct chunk *c, size_t n);
/* Frees either kind. */
void chunk_free(struct chunk *c);
/* The same for structs that hold secrets (tickets, the store key):
 * zeroed; secure_free wipes n bytes and frees. */
void *secure_zalloc(size_t n);
/* Room for one more element in a growing array arr of n elements of
 * size elem with room for *cap: doubles it when full (the new room
 * zeroed). Returns the array, which may have moved, or NULL when out of
 * memory (arr is then still valid and unchanged). */
void *array_room(void *arr, size_t n, size_t *cap, size_t elem);
void secure_free(void *p, size_t n);
bool chunk_eq(const struct chunk *a, const void *b, size_t n);

static inline uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
