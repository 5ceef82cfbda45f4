#include <CUnit/CUnit.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ticket_internal.h"
#include "tutil.h"

char tu_base[64];
char tu_dir[96];
time_t tu_now;

void tu_rm_rf(const char *path)
{
	struct dirent *de;
	char sub[512];
	struct stat st;
	DIR *d;

	/* never follow a symlink out of the scratch directory */
	if (lstat(path, &st) < 0)
		return;
	d = S_ISDIR(st.st_mode) ? opendir(path) : NULL;
	if (!d) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		tu_rm_rf(sub);
	}
	closedir(d);
	rmdir(path);
}

struct ticket_store *tu_setup(void)
{
	struct ticket_store *s;
	struct verr e = { "" };

	strcpy(tu_base, "/tmp/vpnd-ticket-test.XXXXXX");
	if (!mkdtemp(tu_base))
		return NULL;
	snprintf(tu_dir, sizeof(tu_dir), "%s/store", tu_base);
	tu_now = time(NULL);
	s = ticket_store_open(tu_dir, &e);
	if (!s)
		fprintf(stderr, "ticket_store_open: %s\n", e.msg);
	return s;
}

void tu_teardown(struct ticket_store *s)
{
	ticket_store_close(s);
	tu_rm_rf(tu_base);
}

static void fill_str(char *dst, size_t len, char c)
{
	memset(dst, c, len);
	dst[len] = 0;
}

static void fill_id(struct ticket_id *id, uint8_t type, size_t len,
		    uint8_t seed)
{
	size_t i;

	id->type = type;
	id->len = len;
	for (i = 0; i < len; i++)
		id->data[i] = (uint8_t)(seed + 3 * i);
}

void tu_fill(struct resume_ticket *t, bool full, uint8_t seed)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->ticket_len = full ? TICKET_MAX_LEN : 77;
	for (i = 0; i < t->ticket_len; i++)
		t->ticket[i] = (uint8_t)(seed ^ (i * 7) ^ 0x5a);
	t->expires = tu_now + 3600;
	t->gsc = full ? TICKET_GSC_MAX : 3;
	t->prf = 7;            /* PRF_HMAC_SHA2_512 */
	t->encr = 20;          /* ENCR_AES_GCM_16 */
	t->encr_keylen = 256;
	t->integ = full ? 14 : 0;
	t->sk_d_len = full ? TICKET_SKD_MAX : 32;
	for (i = 0; i < t->sk_d_len; i++)
		t->sk_d[i] = (uint8_t)(0xd0 + seed + i);
	fill_id(&t->idi, 2, full ? TICKET_ID_MAX : 17, (uint8_t)(seed + 1));
	fill_id(&t->idr, 9, full ? TICKET_ID_MAX : 40, (uint8_t)(seed + 2));
	t->has_vip4 = true;
	memcpy(t->vip4, "\x0a\x00\x02\x0f", 4);
	t->has_vip6 = full;
	t->gw_vpnd = full;
	if (full)
		memcpy(t->vip6, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x2a",
		       16);
	if (full) {
		fill_str(t->gateway, TICKET_STR_MAX - 1, 'g');
		t->n_backups = TICKET_MAX_BACKUPS;
		for (i = 0; i < t->n_backups; i++)
			fill_str(t->backups[i], TICKET_STR_MAX - 1 - i,
				 (char)('a' + i));
	} else {
		snprintf(t->gateway, sizeof(t->gateway), "192.0.2.%u", seed);
		t->n_backups = 2;
		strcpy(t->backups[0], "gw2.example.com");
		strcpy(t->backups[1], "2001:db8::2");
	}
}

static void assert_same_id(const struct ticket_id *a,
			   const struct ticket_id *b)
{
	CU_ASSERT_EQUAL(a->type, b->type);
	CU_ASSERT_EQUAL(a->len, b->len);
	CU_ASSERT(a->len == b->len && !memcmp(a->data, b->data, a->len));
}

void tu_assert_same(const struct resume_ticket *a,
		    const struct resume_ticket *b)
{
	size_t i;

	CU_ASSERT_EQUAL(a->ticket_len, b->ticket_len);
	CU_ASSERT(a->ticket_len == b->ticket_len &&
		  !memcmp(a->ticket, b->ticket, a->ticket_len));
	CU_ASSERT_EQUAL(a->expires, b->expires);
	CU_ASSERT_EQUAL(a->gsc, b->gsc);
	CU_ASSERT_EQUAL(a->prf, b->prf);
	CU_ASSERT_EQUAL(a->encr, b->encr);
	CU_ASSERT_EQUAL(a->encr_keylen, b->encr_keylen);
	CU_ASSERT_EQUAL(a->integ, b->integ);
	CU_ASSERT_EQUAL(a->sk_d_len, b->sk_d_len);
	CU_ASSERT(a->sk_d_len == b->sk_d_len &&
		  !memcmp(a->sk_d, b->sk_d, a->sk_d_len));
	assert_same_id(&a->idi, &b->idi);
	assert_same_id(&a->idr, &b->idr);
	CU_ASSERT_EQUAL(a->has_vip4, b->has_vip4);
	CU_ASSERT_EQUAL(a->has_vip6, b->has_vip6);
	CU_ASSERT(!memcmp(a->vip4, b->vip4, 4));
	CU_ASSERT(!memcmp(a->vip6, b->vip6, 16));
	CU_ASSERT_STRING_EQUAL(a->gateway, b->gateway);
	CU_ASSERT_EQUAL(a->gw_vpnd, b->gw_vpnd);
	CU_ASSERT_EQUAL(a->n_backups, b->n_backups);
	for (i = 0; i < a->n_backups && i < TICKET_MAX_BACKUPS; i++)
		CU_ASSERT_STRING_EQUAL(a->backups[i], b->backups[i]);
}

bool tu_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tu_dir, name);
}

bool tu_exists(const char *name)
{
	char p[512];
	struct stat st;

	path_of(p, sizeof(p), name);
	return lstat(p, &st) == 0;
}

uint8_t *tu_read(const char *name, size_t *len)
{
	char p[512];
	uint8_t *buf;
	FILE *f;
	long n;

	path_of(p, sizeof(p), name);
	f = fopen(p, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void tu_write(const char *name, const uint8_t *p, size_t len)
{
	char path[512];
	int fd;

	path_of(path, sizeof(path), name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, p, len) == (ssize_t)len);
	close(fd);
}

int tu_count_entries(void)
{
	struct dirent *de;
	DIR *d = opendir(tu_dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* The directory holds exactly these names. */
bool tu_only(const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!tu_exists(names[i]))
			return false;
	return tu_count_entries() == (int)n;
}

void tu_reseal(uint8_t *p, size_t len, const uint8_t *key)
{
	uint8_t store_key[STORE_KEY_LEN];
	uint8_t *k;
	size_t klen = 0, outlen = 0;

	if (!key) {
		k = tu_read(STORE_KEY_NAME, &klen);
		CU_ASSERT_FATAL(k && klen == STORE_KEY_LEN);
		memcpy(store_key, k, STORE_KEY_LEN);
		free(k);
		key = store_key;
	}
	CU_ASSERT_FATAL(len >= TKF_MAC_LEN);
	CU_ASSERT_FATAL(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key,
				  STORE_KEY_LEN, p, len - TKF_MAC_LEN,
				  p + len - TKF_MAC_LEN, TKF_MAC_LEN,
				  &outlen) && outlen == TKF_MAC_LEN);
}
