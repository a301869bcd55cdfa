// Small helpers the admin pages (Knowledge, Handoff settings) share. Loaded before each page's script.
window.chatrefAdmin = {
  /** A function that adds a line to a live region (role=status); only the last few lines stay. */
  announcer(region) {
    return (text) => {
      const line = document.createElement('p');
      line.textContent = text;
      region.append(line);
      while (region.childElementCount > 5) region.firstElementChild.remove();
    };
  },

  /** Shows a message in an error element, or hides it when there is none. */
  showError(element, text) {
    element.textContent = text || '';
    element.hidden = !text;
  },

  /** The response body as JSON, or null when it is not JSON. */
  async readJson(response) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  },

  /** The error message to show a person for a failed request. */
  messageOf(body, response) {
    return body?.error?.message || `The request failed (${response.status}). Please try again.`;
  },
};
