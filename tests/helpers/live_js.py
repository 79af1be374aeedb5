"""JavaScript the Live page's browser test runs in the page: RTCPeerConnection records, the ICE pair, the video."""

RECORD_PCS = """(() => { const Native = window.RTCPeerConnection; if (!Native || Native.vseWrapped) return;
  window.vsePcs = []; window.vseConfigs = [];
  function Wrapped(config, ...rest) { const pc = new Native(config, ...rest);
    window.vsePcs.push(pc); window.vseConfigs.push(JSON.parse(JSON.stringify(config || null))); return pc; }
  Wrapped.prototype = Native.prototype; Object.setPrototypeOf(Wrapped, Native); Wrapped.vseWrapped = true;
  window.RTCPeerConnection = Wrapped; })();"""
SELECTED_PAIR = """async () => { const pc = window.vsePcs[window.vsePcs.length - 1]; const byId = {}; let pair = null;
  (await pc.getStats()).forEach(s => { byId[s.id] = s; });
  Object.values(byId).forEach(s => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId[s.selectedCandidatePairId]; });
  if (!pair) Object.values(byId).forEach(s => {
    if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
  if (!pair) return null; const l = byId[pair.localCandidateId], r = byId[pair.remoteCandidateId];
  return {local: [l.address, l.candidateType], remote: [r.address, r.candidateType]}; }"""
VIDEO_STATE = """v => { const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
  if (!c.width) return {width: 0, time: v.currentTime, coloured: 0};
  const g = c.getContext('2d'); g.drawImage(v, 0, 0); const d = g.getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 0; i < d.length; i += 4) {
    if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++; }
  return {width: c.width, height: c.height, time: v.currentTime, coloured: n / (d.length / 4)}; }"""
