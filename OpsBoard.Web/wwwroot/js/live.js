// Live pages: one SignalR connection. Screens (wall, hall) take their regions rendered and pushed by the server, once
// for all screens of the center; staff pages are told which regions changed and fetch those from their fragment
// endpoint. Fetching is also how any page recovers after missing events. The server renders pushed and fetched
// regions with the same Razor component as the full page.
(() => {
  "use strict";
  const root = document.querySelector("[data-live]");
  if (!root) return;

  const device = root.dataset.device || "";
  const fragments = root.dataset.fragments;
  const staleAfterMs = 90_000;      // a region older than this is greyed out even if the connection looks fine
  const safetyRefreshMs = 60_000;   // screens also re-read everything now and then: no event, no drift
  let lastId = Number(root.dataset.lastId || 0);
  let connected = false;

  const screen = root.dataset.screen === "true";
  const query = device ? `?device=${encodeURIComponent(device)}` : "";
  // A device token opens one kind of screen; the hub is told which, and pushes that screen's regions only.
  const kind = fragments && fragments.startsWith("/hall") ? "hall" : "wall";
  const hubQuery = device ? `?device=${encodeURIComponent(device)}&kind=${kind}` : screen ? `?screen=1&kind=${kind}` : "";
  // A screen's regions live inside its canvas; a staff page marks regions anywhere on the page.
  const scope = screen ? root : document;
  const regions = () => [...scope.querySelectorAll("section.region[data-region]")];

  // Fixed 1920×1080 design scaled to the screen: the same layout on a 1080p panel and on 4K.
  function fit() {
    const w = Number(root.dataset.designWidth), h = Number(root.dataset.designHeight);
    if (!w || !h) return;
    const scale = Math.min(window.innerWidth / w, window.innerHeight / h);
    root.style.transform = `scale(${scale})`;
  }
  window.addEventListener("resize", fit);
  fit();

  // A staff page's region may depend on the page's own query (a tab, a page number): its fragment gets the same one.
  const fragmentUrl = region => fragments + (region === "hall" ? "board" : region) + (device || screen ? query : location.search);

  // Puts a region's fresh HTML in place of the one on the page; false when the HTML holds no such region.
  function swap(name, html) {
    const current = scope.querySelector(`section.region[data-region="${name}"]`);
    if (!current) return true;
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const fresh = holder.querySelector(`section.region[data-region="${name}"]`) || holder.querySelector("section.region");
    if (!fresh) return false;
    fresh.dataset.updated = String(Date.now());
    current.replaceWith(fresh);
    drawGauges(fresh);
    if (name === "hall") announce(fresh);
    return true;
  }

  async function refresh(name) {
    const current = scope.querySelector(`section.region[data-region="${name}"]`);
    if (!current) return;
    try {
      const response = await fetch(fragmentUrl(name), { credentials: "same-origin", cache: "no-store" });
      // 403: a revoked device token; 410: a window console whose window was taken over. Either way the page itself
      // says what happened, so show it afresh.
      if (response.status === 403 || response.status === 410) return refused();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      if (!swap(name, await response.text())) throw new Error("empty fragment");
    } catch (error) {
      current.classList.add("stale");
      console.warn(`OpsBoard: region ${name} not refreshed`, error);
    }
  }

  // A revoked device token: the screen shows the refusal page instead of figures that no longer update.
  // A fresh GET, never reload(): a page that was the answer to a form post would post the form again.
  function refused() {
    location.replace(location.href);
  }

  const refreshAll = () => Promise.all(regions().map(r => refresh(r.dataset.region)));

  // ECharts gauges: occupancy (warn at 80 %, alarm at 100 %), and KPIs against their target (green at or above, red below).
  function drawGauges(scope) {
    if (!window.echarts) return;
    scope.querySelectorAll("[data-gauge]").forEach(el => {
      const chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "svg" });
      chart.setOption(el.dataset.gauge === "kpi" ? kpiGauge(el) : occupancyGauge(el));
    });
  }

  // A compact arc like the KPI gauges: the wall's right column shares its height with the totals and the reception notice.
  function occupancyGauge(el) {
    return {
      series: [{
        type: "gauge", min: 0, max: 120, splitNumber: 6, radius: "100%", center: ["50%", "60%"], startAngle: 200, endAngle: -20,
        axisLine: { lineStyle: { width: 12, color: [[0.8 / 1.2, "#2e9d5b"], [1 / 1.2, "#e0a100"], [1, "#d9363e"]] } },
        pointer: { width: 4, length: "62%" }, axisTick: { show: false }, axisLabel: { show: false }, splitLine: { show: false },
        detail: { formatter: "{value}%", color: "#fff", fontSize: 24, offsetCenter: [0, "48%"] },
        title: { show: false },
        data: [{ value: Number(el.dataset.value) }],
      }],
    };
  }

  function kpiGauge(el) {
    const target = Number(el.dataset.target || 0);
    const hasValue = el.dataset.value !== "";
    const colour = { Met: "#2e9d5b", Missed: "#d9363e" }[el.dataset.standing] || "#4a5d75";
    return {
      series: [{
        type: "gauge", min: 0, max: 100, radius: "100%", center: ["50%", "62%"], startAngle: 200, endAngle: -20,
        // The band below the target is red, from the target up green: the target is where the colours meet.
        // No figure yet (no visits this month): a neutral track, not a red one.
        axisLine: { lineStyle: { width: 12, color: hasValue ? [[target / 100, "#7a1f24"], [1, "#124d2c"]] : [[1, "#2a3b52"]] } },
        progress: { show: hasValue, width: 12, itemStyle: { color: colour } },
        pointer: { show: false }, axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false },
        anchor: { show: false }, title: { show: false },
        detail: { formatter: hasValue ? "{value}%" : "—", color: colour === "#4a5d75" ? "#9fb3c8" : "#fff", fontSize: 32, offsetCenter: [0, "10%"] },
        data: [{ value: hasValue ? Number(el.dataset.value) : 0 }],
      }],
    };
  }

  // Hall voice call, off by default: the browser's own Chinese speech synthesis. Every call and every recall
  // (重新叫号) gives the hall region a new data-call-key; a new key flashes the current call and speaks it again.
  let voice = false;
  let lastCallKey = scope.querySelector('section.region[data-region="hall"]')?.dataset.callKey ?? null;
  const voiceButton = root.querySelector("[data-voice]");
  if (voiceButton) {
    voiceButton.addEventListener("click", () => {
      voice = !voice;
      voiceButton.setAttribute("aria-pressed", String(voice));
      voiceButton.textContent = voice ? "关闭语音叫号" : "开启语音叫号";
    });
  }
  function announce(section) {
    const key = section.dataset.callKey || "";
    const now = section.querySelector(".hall-now[data-number]");
    if (!now || key === "" || key === lastCallKey) return;
    lastCallKey = key;
    now.classList.add("flash");
    if (voice && "speechSynthesis" in window) {
      const text = `请 ${now.dataset.number.split("").join(" ")} 号，到 ${now.dataset.window}`;
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = "zh-CN";
      speechSynthesis.speak(utterance);
    }
  }

  // Freshness: every region says how old it is, and greys out when stale or when the connection is down.
  function tick() {
    const now = Date.now();
    regions().forEach(r => {
      const age = Math.max(0, Math.round((now - Number(r.dataset.updated || now)) / 1000));
      const label = r.querySelector(".age");
      if (label) label.textContent = String(age);
      r.classList.toggle("stale", !connected || now - Number(r.dataset.updated) > staleAfterMs);
    });
    elapsed(now);
    const clock = root.querySelector("[data-clock]");
    if (clock) clock.textContent = new Date().toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
  }
  setInterval(tick, 1000);

  // Minutes elapsed since a moment (an emergency's launch) tick here, with no event needed. The server writes the
  // moment (data-since) and its own clock when it rendered (data-rendered); the page adds the time it has held the
  // element, so a screen whose clock is off still counts the minutes the server would.
  function elapsed(now) {
    scope.querySelectorAll("[data-since][data-rendered]").forEach(el => {
      if (!el.dataset.seen) el.dataset.seen = String(now);
      const ms = Number(el.dataset.rendered) - Number(el.dataset.since) + (now - Number(el.dataset.seen));
      const minutes = String(Math.max(0, Math.floor(ms / 60000)));
      if (el.textContent !== minutes) el.textContent = minutes;
    });
  }

  function setConnected(state, text) {
    connected = state;
    root.classList.toggle("offline", !state);
    const badge = root.querySelector("[data-connection]");
    if (badge) badge.textContent = text;
    tick();
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/live" + hubQuery)
    // Never give up: an unattended screen must come back by itself after the app or the network does.
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => Math.min(500 * 2 ** ctx.previousRetryCount, 5000) })
    .build();

  // Staff pages: the names of the regions that changed; fetch the ones this page shows.
  connection.on("changed", change => {
    const onPage = new Set(regions().map(r => r.dataset.region));
    const wanted = change.regions.filter(r => onPage.has(r));
    lastId = Math.max(lastId, change.lastId);
    wanted.forEach(refresh);
  });

  // The screen's device token was revoked: stop showing figures that will no longer update; the reload shows the refusal.
  connection.on("revoked", () => { connection.stop().finally(refused); });

  // Screens: the regions themselves, rendered once by the server for every screen of the center.
  connection.on("regions", push => {
    lastId = Math.max(lastId, push.lastId);
    for (const [name, html] of Object.entries(push.regions)) {
      if (!swap(name, html)) refresh(name);
    }
  });

  async function resume() {
    // The server's newest event id: larger than ours means we missed something while away.
    const latest = await connection.invoke("Resume", lastId);
    if (latest > lastId) await refreshAll();
    lastId = Math.max(lastId, latest);
    setConnected(true, "实时连接正常");
  }

  connection.onreconnecting(() => setConnected(false, "连接中断，正在重连…"));
  connection.onreconnected(() => resume().catch(() => {}));
  connection.onclose(() => { setConnected(false, "连接中断，正在重连…"); setTimeout(start, 2000); });

  async function start() {
    try {
      await connection.start();
      await resume();
    } catch {
      setConnected(false, "连接中断，正在重连…");
      setTimeout(start, 2000);
    }
  }

  setInterval(() => { if (connected) refreshAll(); }, safetyRefreshMs);
  regions().forEach(r => r.dataset.updated = String(Date.now()));
  drawGauges(root);
  start();
})();
