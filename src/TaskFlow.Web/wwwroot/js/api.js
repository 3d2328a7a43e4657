// Every REST call of the pages' scripts goes through here: a 401 means the sign-in expired, so the person signs in
// and comes back to where they were. The call then fails with the message "signed out", which callers leave unshown.
export async function api(path, options) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401) {
    location.assign(`/Account/Login?returnUrl=${encodeURIComponent(location.pathname + location.search)}`);
    throw new Error("signed out");
  }
  return response;
}

export const signedOut = (error) => error?.message === "signed out";
