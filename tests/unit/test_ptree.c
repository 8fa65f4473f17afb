/* test_ptree.c: the packet detail tree sink (src/proto/ctx.c, struct proto_tree): nothing is
 * kept without a tree; labels escape wire bytes as Wireshark's labels (named and octal controls,
 * C1 as \u00XX, bytes that are not text as U+FFFD; ASCII fields replace every high byte); bit
 * fields, byte items cut after 36 bytes, durations; generated and expert items; appended text;
 * the caps on labels, items and text; line-based text. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "proto/proto.h"

static struct proto_pkt pkt;
static struct proto_tree *tree;

static void ctx_make(struct proto_ctx *ctx, int with_tree)
{
	memset(ctx, 0, sizeof *ctx);
	memset(&pkt, 0, offsetof(struct proto_pkt, tree));
	pkt.tree = with_tree ? tree : NULL;
	if (tree)
		proto_tree_reset(tree);
	ctx->out = &pkt;
	ctx->proto_idx = 3;
}

/* The text of item k. */
static int item_is(uint32_t k, uint8_t depth, const char *want)
{
	if (k >= tree->n)
		return 0;
	const struct proto_titem *it = &tree->item[k];
	return it->depth == depth && it->len == strlen(want) && !memcmp(tree->text + it->off, want, it->len);
}

static void test_off(void)
{
	struct proto_ctx ctx;
	ctx_make(&ctx, 0);
	test_reportf(!proto_tree_on(&ctx), "no tree: proto_tree_on is 0");
	proto_tree_text(&ctx, 0, "Top");
	proto_tree_field_str(&ctx, 1, "Name", proto_slice_cstr("x"), PROTO_TENC_UTF8);
	test_reportf(tree->n == 0, "no tree: nothing is kept");
	ctx.out = NULL;
	proto_tree_text(&ctx, 0, "Top");
	test_reportf(!proto_tree_on(&ctx), "no packet output: no tree either");
}

static void test_escape(void)
{
	struct proto_ctx ctx;
	ctx_make(&ctx, 1);
	static const uint8_t wire[] = "a\\b\x01\a\b\t\v\f\x1b\x7f\x80\xc2\x80\xc3\xa9\xff x\r\n\0z";
	proto_tree_text(&ctx, 1, "%s", "");
	proto_tree_cat_str(&ctx, (struct slice){ wire, sizeof wire - 1 }, PROTO_TENC_UTF8);
	test_reportf(item_is(0, 1, "a\\b\\001\\a\\b\\t\\v\\f\\033\\177\xef\xbf\xbd\\u0080\xc3\xa9\xef\xbf\xbd x\\r\\n\\000z"),
		     "UTF-8 text: controls named or octal, C1 as \\u00XX, bad bytes U+FFFD, valid UTF-8 kept");
	proto_tree_field_str(&ctx, 2, "Arg", (struct slice){ (const uint8_t *)"\xc3\xa9", 2 }, PROTO_TENC_ASCII);
	test_reportf(item_is(1, 2, "Arg: \xef\xbf\xbd\xef\xbf\xbd"), "ASCII field: each high byte is U+FFFD");
	test_reportf(tree->item[1].name_len == 3 && tree->item[0].name_len == 0, "field items know their name's length");
	test_reportf(tree->item[0].proto == 4, "items carry the dissector's registry index + 1");
}

static void test_items(void)
{
	struct proto_ctx ctx;
	ctx_make(&ctx, 1);
	proto_tree_bits(&ctx, 2, 0x8180, 16, 0x8000, "Response: %s", "Message is a response");
	test_reportf(item_is(0, 2, "1... .... .... .... = Response: Message is a response"), "16-bit field, top bit");
	proto_tree_bits(&ctx, 2, 0x8183, 16, 0x000f, "Reply code: %u", 3);
	test_reportf(item_is(1, 2, ".... .... .... 0011 = Reply code: 3"), "16-bit field, low nibble");
	uint8_t b[40];
	for (int i = 0; i < 40; i++)
		b[i] = (uint8_t)i;
	proto_tree_bytes(&ctx, 1, "Data", (struct slice){ b, 3 });
	test_reportf(item_is(2, 1, "Data: 000102"), "short bytes whole");
	proto_tree_bytes(&ctx, 1, "Data", (struct slice){ b, 40 });
	test_reportf(item_is(3, 1, "Data: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223\xe2\x80\xa6"),
		     "long bytes: 36 shown and an ellipsis");
	proto_tree_bytes(&ctx, 1, "Data", (struct slice){ b, 0 });
	test_reportf(item_is(4, 1, "Data: <MISSING>"), "empty bytes: <MISSING>");
	proto_tree_gfield(&ctx, 1, "Request In", "%u", 7u);
	test_reportf(item_is(5, 1, "Request In: 7") && tree->item[5].gen, "generated item: text without brackets, flagged");
	proto_tree_expert(&ctx, 2, "Chat", "Sequence", "GET / HTTP/1.1\\r\\n");
	test_reportf(item_is(6, 2, "Expert Info (Chat/Sequence): GET / HTTP/1.1\\r\\n") &&
			     item_is(7, 3, "GET / HTTP/1.1\\r\\n") && item_is(8, 3, "Severity level: Chat") &&
			     item_is(9, 3, "Group: Sequence") && tree->item[9].gen,
		     "expert item and its three generated children");
	proto_tree_field(&ctx, 1, "Certificate", "%s", "3082");
	proto_tree_append(&ctx, " (%s)", "cn=x");
	test_reportf(item_is(10, 1, "Certificate: 3082 (cn=x)") && tree->item[10].init_len == 17,
		     "appended text is kept apart from the label");
	proto_tree_lines(&ctx, 1, "Line-based text data", proto_slice_cstr("a\r\nb\r\nc"));
	test_reportf(item_is(11, 1, "Line-based text data (3 lines)") && item_is(12, 2, "a\\r\\n") && item_is(14, 2, "c"),
		     "line-based text: count and lines with their ends");
}

static void test_secs(void)
{
	char t[96];
	proto_secs_text(t, sizeof t, 0);
	test_reportf(!strcmp(t, "0 seconds"), "0 seconds");
	proto_secs_text(t, sizeof t, 3150);
	test_reportf(!strcmp(t, "52 minutes, 30 seconds"), "minutes and seconds");
	proto_secs_text(t, sizeof t, 90061);
	test_reportf(!strcmp(t, "1 day, 1 hour, 1 minute, 1 second"), "singular units");
	proto_secs_text(t, sizeof t, 1814400);
	test_reportf(!strcmp(t, "21 days"), "zero parts left out");
}

static void test_caps(void)
{
	struct proto_ctx ctx;
	ctx_make(&ctx, 1);
	char big[2000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	proto_tree_text(&ctx, 1, "%s", big);
	test_reportf(tree->item[0].len == PROTO_TREE_LABEL, "a label keeps at most PROTO_TREE_LABEL bytes");
	proto_tree_text(&ctx, 1, "%s", "");
	proto_tree_cat_str(&ctx, (struct slice){ (const uint8_t *)big, sizeof big - 1 }, PROTO_TENC_UTF8);
	test_reportf(tree->item[1].len == PROTO_TREE_LABEL, "wire text too");
	for (uint32_t i = 0; i < PROTO_TREE_ITEMS + 10; i++)
		proto_tree_text(&ctx, 1, "item %u", i);
	test_reportf(tree->n == PROTO_TREE_ITEMS && tree->dropped == 12, "items past the cap are dropped and counted");
	proto_tree_cat(&ctx, "more");
	test_reportf(tree->item[tree->n - 1].len == strlen("item 8189"), "nothing is appended to a dropped item's predecessor");
	proto_tree_reset(tree);
	test_reportf(tree->n == 0 && tree->used == 0 && tree->dropped == 0, "reset empties the tree");
}

int main(void)
{
	tree = malloc(sizeof *tree);
	if (!tree)
		return 1;
	test_off();
	test_escape();
	test_items();
	test_secs();
	test_caps();
	free(tree);
	return test_failed != 0;
}
