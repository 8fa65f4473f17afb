/* oui.c: binary search over the OUI table that tools/gen-oui.sh generates from the IEEE registry. */
#include "report/oui.h"

struct oui_entry {
	uint32_t oui;  /* 24-bit OUI, first MAC byte most significant */
	char name[9];  /* short vendor name, NUL-terminated */
};

/* Sorted by oui, no duplicates (tools/gen-oui.sh guarantees both). */
static const struct oui_entry oui_table[] = {
#include "report/oui_table.inc"
};

#define OUI_TABLE_LEN (sizeof oui_table / sizeof oui_table[0])

const char *oui_lookup(const uint8_t *mac)
{
	if (!mac)
		return NULL;
	uint32_t key = (uint32_t)mac[0] << 16 | (uint32_t)mac[1] << 8 | mac[2];
	size_t lo = 0, hi = OUI_TABLE_LEN;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (oui_table[mid].oui < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < OUI_TABLE_LEN && oui_table[lo].oui == key)
		return oui_table[lo].name;
	return NULL;
}

size_t oui_count(void)
{
	return OUI_TABLE_LEN;
}
