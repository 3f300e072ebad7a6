/**
 * Reads a list RPC page after page, following next_page_token until the last
 * page or until `limit` items were read. `fetchPage` gets the token and the
 * page size to ask for; `itemsOf` picks the items of its answer.
 */
export async function allPages<Page extends { nextPageToken: string }, Item>(
  fetchPage: (pageToken: string, pageSize: number) => Promise<Page>,
  itemsOf: (page: Page) => readonly Item[],
  limit = Number.POSITIVE_INFINITY,
): Promise<Item[]> {
  const items: Item[] = [];
  let pageToken = "";
  do {
    const page = await fetchPage(pageToken, Math.min(1000, limit - items.length));
    items.push(...itemsOf(page));
    pageToken = page.nextPageToken;
  } while (pageToken && items.length < limit);
  return items;
}
