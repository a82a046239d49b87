// The recovery codes page: "Print" prints it, "Copy" puts the codes on the clipboard, one a line.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
document.querySelectorAll("[data-copy]").forEach((button) => {
  button.addEventListener("click", async () => {
    const list = document.getElementById(button.dataset.copy);
    const text = Array.from(list.querySelectorAll("li"), (item) => item.textContent.trim()).join("\n");
    try {
      await navigator.clipboard.writeText(text);
      document.querySelector("[data-copy-status]").textContent = button.dataset.copied;
    } catch (error) {
      // No clipboard (an insecure page, or refused): select the codes so they can be copied by hand.
      const range = document.createRange();
      range.selectNodeContents(list);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
  });
});
