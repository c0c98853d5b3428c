#!/usr/bin/env python3
"""Reference numbers for caption4j's layer tests, computed independently with PyTorch (float64).

Writes layers/src/test/resources/fixtures/torch_reference.json: small fixed weights in caption4j's
parameter layout (x W + b, row-major), inputs, and PyTorch's outputs, loss and gradients for
  * additive attention (gated, with a region mask),
  * one inference decoder step and a second one,
  * one full teacher-forced pass (projection + embedding + attention decoder + masked cross-entropy
    + doubly stochastic attention penalty), loss and the gradient of every parameter,
for an LSTM decoder (attention on [h; c], gate, penalty, masks) and a GRU decoder (attention on h).
The cells are torch.nn.LSTMCell / GRUCell, so the gate maths is PyTorch's, not a copy of ours.

Set-up: apt-get install -y python3-torch      Run: /usr/bin/python3 scripts/make_torch_fixtures.py
CI does not run this script; the JSON it writes is committed."""
import json, os
import torch
import torch.nn as nn

torch.manual_seed(7)
DT = torch.float64
B, L, FIN, F, P, E, H, A, D, V, T = 2, 5, 6, 4, 7, 3, 5, 4, 6, 9, 4


def rnd(*shape, scale=0.5):
    return (torch.rand(*shape, dtype=DT) * 2 - 1) * scale


def lst(t):
    return t.detach().tolist()


def case(cell_type, gated, penalty, att_state):
    S = 2 * H if att_state == "H_AND_C" else H
    G = 4 if cell_type == "LSTM" else 3
    p = {
        "projection.W": rnd(FIN, F), "projection.b": rnd(F),
        "embedding.W": rnd(V, E),
        "decoder.initWh": rnd(P, H), "decoder.initBh": rnd(H, scale=0.2),
        "decoder.attWf": rnd(F, A), "decoder.attWs": rnd(S, A), "decoder.attB": rnd(A, scale=0.2),
        "decoder.attV": rnd(A, 1),
        "decoder.outW1": rnd(H, D), "decoder.outB1": rnd(D, scale=0.2),
        "decoder.outW": rnd(D, V), "decoder.outB": rnd(V, scale=0.2),
    }
    if cell_type == "LSTM":
        p["decoder.initWc"] = rnd(P, H)
        p["decoder.initBc"] = rnd(H, scale=0.2)
    if gated:
        p["decoder.attWbeta"] = rnd(H, 1)
        p["decoder.attBbeta"] = rnd(1, scale=0.2)
    cell = nn.LSTMCell(F + E, H).double() if cell_type == "LSTM" else nn.GRUCell(F + E, H).double()
    with torch.no_grad():
        for prm in cell.parameters():
            prm.copy_(rnd(*prm.shape))
    # caption4j layout: W_x = W_ih^T (rows: context then embedding), W_h = W_hh^T
    p["decoder.cellWx"] = cell.weight_ih.detach().t().clone()
    p["decoder.cellWh"] = cell.weight_hh.detach().t().clone()
    if cell_type == "LSTM":
        p["decoder.cellB"] = (cell.bias_ih + cell.bias_hh).detach().clone()
    else:
        p["decoder.cellB"] = cell.bias_ih.detach().clone()
        p["decoder.cellBh"] = cell.bias_hh.detach().clone()
    for k in p:
        p[k] = p[k].clone().requires_grad_(True)

    def run_cell(x, h, c):
        w_ih, w_hh = p["decoder.cellWx"].t(), p["decoder.cellWh"].t()
        if cell_type == "LSTM":
            # same function as nn.LSTMCell, with our single bias as b_ih and zero b_hh
            return torch._VF.lstm_cell(x, (h, c), w_ih, w_hh, p["decoder.cellB"], torch.zeros_like(p["decoder.cellB"]))
        return torch._VF.gru_cell(x, h, w_ih, w_hh, p["decoder.cellB"], p["decoder.cellBh"]), None

    features = rnd(B, L, FIN, scale=1.0)
    pooled = rnd(B, P, scale=1.0)
    tokens = torch.randint(0, V, (B, T))
    targets = torch.randint(0, V, (B, T))
    token_mask = torch.ones(B, T, dtype=DT)
    token_mask[1, 2:] = 0
    region_mask = torch.ones(B, L, dtype=DT)
    region_mask[0, 3:] = 0

    def attention(f, fa, s, h):
        e = (torch.tanh(fa + (s @ p["decoder.attWs"]).unsqueeze(1)) @ p["decoder.attV"]).squeeze(2)  # [B, L]
        e = e.masked_fill(region_mask == 0, float("-inf"))
        alpha = torch.softmax(e, dim=1)
        ctx = torch.bmm(alpha.unsqueeze(1), f).squeeze(1)
        if gated:
            ctx = ctx * torch.sigmoid(h @ p["decoder.attWbeta"] + p["decoder.attBbeta"])
        return ctx, alpha

    def forward():
        f = torch.relu(features @ p["projection.W"] + p["projection.b"])               # [B, L, F]
        fa = f @ p["decoder.attWf"] + p["decoder.attB"]                               # [B, L, A]
        h = torch.relu(pooled @ p["decoder.initWh"] + p["decoder.initBh"])
        c = torch.relu(pooled @ p["decoder.initWc"] + p["decoder.initBc"]) if cell_type == "LSTM" else None
        emb = p["embedding.W"][tokens]                                                # [B, T, E]
        logits, alphas, first = [], [], None
        for t in range(T):
            s = torch.cat([h, c], 1) if att_state == "H_AND_C" else h
            ctx, alpha = attention(f, fa, s, h)
            h, c = run_cell(torch.cat([ctx, emb[:, t]], 1), h, c)
            logits.append(torch.relu(h @ p["decoder.outW1"] + p["decoder.outB1"]) @ p["decoder.outW"] + p["decoder.outB"])
            alphas.append(alpha)
        return torch.stack(logits, 1), torch.stack(alphas, 1)                          # [B, T, V], [B, T, L]

    logits, alphas = forward()
    ce = nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), reduction="none").reshape(B, T)
    loss = (ce * token_mask).sum() / B
    cover = (alphas * token_mask.unsqueeze(2)).sum(1)                                 # [B, L]
    pen = penalty * ((1 - cover) ** 2).sum() / B
    total = loss + pen
    total.backward()

    # the standalone attention on the first state, and two decoder steps from <start> tokens
    with torch.no_grad():
        f = torch.relu(features @ p["projection.W"] + p["projection.b"])
        fa = f @ p["decoder.attWf"] + p["decoder.attB"]
        h = torch.relu(pooled @ p["decoder.initWh"] + p["decoder.initBh"])
        c = torch.relu(pooled @ p["decoder.initWc"] + p["decoder.initBc"]) if cell_type == "LSTM" else None
        s = torch.cat([h, c], 1) if att_state == "H_AND_C" else h
        s0 = s
        att_ctx, att_alpha = attention(f, fa, s, h)
        steps = []
        for t in range(2):
            s = torch.cat([h, c], 1) if att_state == "H_AND_C" else h
            ctx, alpha = attention(f, fa, s, h)
            h, c = run_cell(torch.cat([ctx, p["embedding.W"][tokens[:, t]]], 1), h, c)
            lg = torch.relu(h @ p["decoder.outW1"] + p["decoder.outB1"]) @ p["decoder.outW"] + p["decoder.outB"]
            steps.append({"logits": lst(lg), "alpha": lst(alpha)})

    return {
        "config": {"cellType": cell_type, "gated": gated, "attentionPenalty": penalty, "attentionState": att_state,
                   "B": B, "L": L, "featureSize": FIN, "projectionSize": F, "pooledSize": P, "embeddingSize": E,
                   "hiddenSize": H, "attentionSize": A, "outputHiddenSize": D, "vocabularySize": V, "steps": T},
        "params": {k: lst(v) for k, v in p.items()},
        "grads": {k: lst(v.grad) for k, v in p.items()},
        "inputs": {"features": lst(features), "pooled": lst(pooled), "tokens": lst(tokens), "targets": lst(targets),
                   "tokenMask": lst(token_mask), "regionMask": lst(region_mask)},
        "loss": loss.item(), "penalty": pen.item(), "score": total.item(),
        "logits": lst(logits), "alphas": lst(alphas),
        "attention": {"projected": lst(f), "state": lst(s0),
                      "context": lst(att_ctx), "alpha": lst(att_alpha)},
        "steps": steps,
    }


out = {"torch": torch.__version__,
       "lstm": case("LSTM", gated=True, penalty=0.7, att_state="H_AND_C"),
       "gru": case("GRU", gated=False, penalty=0.0, att_state="H")}
path = os.path.join(os.path.dirname(__file__), "..", "layers", "src", "test", "resources", "fixtures", "torch_reference.json")
with open(path, "w") as fh:
    json.dump(out, fh)
print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")
