/** What the board's modules share: the page's config (board-data, see workflow/web/board.py),
 * the board element, and how a state and a card are named for the reader. */
export const config = JSON.parse(document.getElementById("board-data").textContent);
export const root = document.getElementById("board");
export const me = config.user;
export const { events, states } = config;

export const label = (state) => config.state_labels[state] || state;
export const titleOf = (card) => card.querySelector(".card-title").textContent;
/** The columns a card can be moved to (every one but the trash). */
export const movableColumns = () => config.columns.filter((s) => s !== states.TRASH);
