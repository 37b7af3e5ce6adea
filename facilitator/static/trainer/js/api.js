// The library's HTTP side. Pages carry the library cookie the login set; when it has expired
// (401) the page reloads, and the server then sends the login form.

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : detail?.message ?? `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
  }
}

export async function request(path, { method = "GET", body, json = true } = {}) {
  const options = { method, credentials: "same-origin", cache: "no-store", headers: {} };
  if (body !== undefined) {
    if (typeof body === "string" || body instanceof Blob || body instanceof ArrayBuffer) options.body = body;
    else {
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
  }
  const response = await fetch(path, options);
  if (response.status === 401 && !path.endsWith("/login")) {
    location.reload();
    throw new ApiError(401, "logged out");
  }
  if (!response.ok) {
    let detail = null;
    try {
      detail = (await response.json()).detail;
    } catch {
      detail = response.statusText;
    }
    throw new ApiError(response.status, detail);
  }
  if (response.status === 204 || !json) return response;
  return response.json();
}

export const workshopPath = (id) => `/api/library/workshops/${encodeURIComponent(id)}`;
export const replayPage = (id, params = {}) => {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== null && value !== undefined && value !== ""));
  const search = query.toString();
  return `/library/${encodeURIComponent(id)}/replay${search ? `?${search}` : ""}`;
};
export const comparePage = (entries) => `/library/compare?ids=${entries.map(encodeURIComponent).join(",")}`;

// The state of the page, for styles and tests: loading, ready, empty, error.
export function setPageState(value) {
  document.body.dataset.state = value;
}

// The language links keep the page's query (the moment of a replay, the compared teams).
export function keepLanguageLinks() {
  for (const link of document.querySelectorAll("#language a[hreflang]")) {
    const params = new URLSearchParams(location.search);
    params.set("lang", link.hreflang);
    link.href = `${location.pathname}?${params}`;
  }
}

export async function logOut() {
  await request("/api/library/logout", { method: "POST" });
  location.reload();
}
