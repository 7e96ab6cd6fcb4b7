// Uploads of 佐证材料 with a progress bar. The only script of the workbench: without it the same form posts as
// usual; with it the browser shows how much of a large file has gone, and the page follows the server's answer.
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload") || !window.FormData) {
    return;
  }

  event.preventDefault();
  var bar = form.querySelector("progress");
  var status = form.querySelector("[data-upload-status]");
  var button = form.querySelector("button[type=submit]");
  var request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.setRequestHeader("X-Upload", "1");
  request.upload.onprogress = function (p) {
    if (p.lengthComputable && bar) {
      bar.hidden = false;
      bar.max = p.total;
      bar.value = p.loaded;
      status.textContent = p.loaded < p.total ? "已发送 " + Math.floor(100 * p.loaded / p.total) + "%" : "已发送，正在检查文件……";
    }
  };
  request.onload = function () {
    var next = request.getResponseHeader("X-Upload-Next");
    if (next && next.charAt(0) === "/") {
      window.location.assign(next);
      return;
    }

    if (request.status === 413) {
      status.textContent = "所选文件合计过大（一次至多 200 MB），请分批上传。";
      button.disabled = false;
      return;
    }

    if (request.status !== 200 || request.responseURL.split("?")[0] !== form.action.split("?")[0]) {
      // Signed out meanwhile, or an error page: let the browser show where the answer led.
      window.location.assign(request.responseURL || window.location.href);
      return;
    }

    document.open();
    document.write(request.responseText);
    document.close();
  };
  request.onerror = function () {
    status.textContent = "上传中断，请检查网络后重试。";
    button.disabled = false;
  };
  button.disabled = true;
  request.send(new FormData(form));
});
