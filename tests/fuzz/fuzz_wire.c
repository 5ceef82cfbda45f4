/* libFuzzer harness for the wire codec: a message, then the same bytes
 * as a bare payload chain, through every payload parser.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Itests/unit/wire tests/fuzz/fuzz_wire.c tests/unit/wire/wire_test_util.c src/wire/[a-z]*.c src/common/buf.c src/common/names.c -lcrypto -o fuzz-wire
 */
#include <stddef.h>
#include <stdint.h>

#include "vpnd/wire.h"
#include "wire_test_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verr e;

	walk_message(data, size, &e);
	/* The first byte picks the first payload type of a bare chain, as
	 * after SK decryption. */
	if (size > 1)
		walk_chain(data[0], data + 1, size - 1, &e);
	return 0;
}
