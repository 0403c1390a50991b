// The notebook's tests drive the system Chromium (or Chrome); puppeteer never downloads its own browser.
module.exports = { skipDownload: true };
