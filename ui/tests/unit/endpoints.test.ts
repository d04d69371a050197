import { describe, expect, it } from 'vitest';
import type { LicenseTerms, Workflow } from '$lib/ipc';
import { choiceValue, inputChoices, nameProblem, termsLine, urlProblem } from '$lib/logic/endpoints';

describe('endpoint form checks', () => {
  it('takes the names the core takes', () => {
    expect(nameProblem('studio-comfy')).toBeNull();
    expect(nameProblem('gpu_2')).toBeNull();
    expect(nameProblem('')).toMatch(/name/);
    expect(nameProblem('my comfy')).toMatch(/letters, digits/);
    expect(nameProblem('-x')).toMatch(/starting with/);
    expect(nameProblem('a'.repeat(41))).toMatch(/1–40/);
    expect(nameProblem('\u001b[31mred')).not.toBeNull();
  });

  it('wants an http(s) address without credentials in it', () => {
    expect(urlProblem('http://127.0.0.1:8188')).toBeNull();
    expect(urlProblem('https://gpu.lan/comfy')).toBeNull();
    expect(urlProblem('')).toMatch(/address/);
    expect(urlProblem('127.0.0.1:8188')).toMatch(/http/);
    expect(urlProblem('http://me:pw@127.0.0.1')).toMatch(/user name/);
  });
});

describe('workflow mapping choices', () => {
  const wf = {
    name: 'portrait',
    graph: {
      '3': { class_type: 'KSampler', inputs: { seed: 1, steps: 20, model: ['4', 0] } },
      '10': { class_type: 'CLIPTextEncode', inputs: { text: 'x', clip: ['4', 1] }, _meta: { title: 'Positive <b>' } },
      bad: 'not a node',
    },
    mapping: { prompt: { node: '10', input: 'text' } },
  } as unknown as Workflow;

  it('offers every value input, never a link, ordered by node id', () => {
    const choices = inputChoices(wf);
    expect(choices.map((c) => c.label)).toEqual(['3 · KSampler · seed', '3 · KSampler · steps', '10 · CLIPTextEncode “Positive <b>” · text']);
    expect(choices[2].ref).toEqual({ node: '10', input: 'text' });
    expect(choiceValue(wf.mapping.prompt)).toBe(choices[2].value);
    expect(choiceValue(null)).toBe('');
  });

  it('survives a graph that is not an object', () => {
    expect(inputChoices({ name: 'x', graph: [1, 2], mapping: {} } as unknown as Workflow)).toEqual([]);
  });
});

describe('checkpoint terms line', () => {
  it('says unknown terms plainly, and known ones with their commercial use', () => {
    expect(termsLine({ known: false } as LicenseTerms)).toMatch(/Terms unknown/);
    expect(termsLine({ known: true, covers: 'SDXL 1.0', id: 'x', commercial_use: 'conditional' } as LicenseTerms)).toBe('SDXL 1.0 · Commercial use with conditions');
  });
});
