/** JSON over fetch for the pages: CSRF header on writes, problem+json turned into ApiError. */
import { _ } from "./i18n.js";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

export class ApiError extends Error {
  /** @param {number} status @param {object} problem RFC 9457 body (title, detail, errors, current…) */
  constructor(status, problem) {
    super(problem?.detail || problem?.title || _("Error %(status)s", { status }));
    this.status = status;
    this.problem = problem || {};
  }
}

/** Fetch ``url`` and return its JSON. Throws ApiError for an HTTP error, or for no network. */
export async function request(method, url, { body, headers = {} } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new ApiError(0, { title: _("Network unavailable"),
      detail: _("The server does not answer. Check your connection and try again: nothing was lost.") });
  }
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    throw new ApiError(response.status, data || { title: _("Error %(status)s", { status: response.status }),
      detail: response.status === 401 ? _("Your session has expired: sign in again.") : response.statusText });
  }
  return data;
}

export const get = (url) => request("GET", url);
export const post = (url, body) => request("POST", url, { body });
export const patch = (url, body, headers) => request("PATCH", url, { body, headers });
