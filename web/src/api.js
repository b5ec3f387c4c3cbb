// A thin client for the voltroute REST API (docs/service.md). The key is sent as a Bearer token.
const KEY_STORAGE = "voltroute.apiKey";

export function getKey() {
  return localStorage.getItem(KEY_STORAGE) || "";
}

export function setKey(key) {
  localStorage.setItem(KEY_STORAGE, key.trim());
}

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

async function request(path, options = {}) {
  const headers = { Authorization: `Bearer ${getKey()}`, ...(options.headers || {}) };
  const response = await fetch(path, { ...options, headers });
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const err = (body && body.error) || {};
    throw new ApiError(
      response.status,
      err.code || `http_${response.status}`,
      err.message || text || response.statusText,
      err.field,
    );
  }
  return body;
}

/** POST /v1/plans with the file as multipart field `file`; `params` become query parameters. */
export function submitPlan(file, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") query.set(k, String(v));
  }
  const form = new FormData();
  form.append("file", file, file.name);
  return request(`/v1/plans?${query}`, { method: "POST", body: form });
}

export const getPlan = (id) => request(`/v1/plans/${encodeURIComponent(id)}`);
export const getGeojson = (id) => request(`/v1/plans/${encodeURIComponent(id)}/geojson`);
export const getRoads = (id) => request(`/v1/plans/${encodeURIComponent(id)}/roads`);
export const cancelPlan = (id) =>
  request(`/v1/plans/${encodeURIComponent(id)}`, { method: "DELETE" });

/** GET /v1/plans: a list of jobs, newest first (accepts a bare list or a wrapping object). */
export async function listPlans(limit = 20) {
  const body = await request(`/v1/plans?limit=${limit}`);
  if (Array.isArray(body)) return body;
  for (const key of ["plans", "items", "jobs", "data"]) {
    if (body && Array.isArray(body[key])) return body[key];
  }
  return [];
}
export const getProblem = (id) => request(`/v1/plans/${encodeURIComponent(id)}/problem`);
