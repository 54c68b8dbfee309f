// The smallest page around CSIRO's Smart Forms renderer, bundled with esbuild by the
// renderer tests (tests/e2e/sdc_renderers.py): window.renderSmartForm draws a Questionnaire,
// window.smartFormResponse hands back the renderer's QuestionnaireResponse.
import React, { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { QueryClientProvider } from "@tanstack/react-query";
import {
  BaseRenderer,
  RendererThemeProvider,
  buildForm,
  getResponse,
  useRendererQueryClient,
} from "@aehrc/smart-forms-renderer";

function Form({ questionnaire }) {
  const [built, setBuilt] = useState(false);
  const queryClient = useRendererQueryClient();
  useEffect(() => {
    buildForm({ questionnaire }).then(
      () => setBuilt(true),
      (error) => {
        window.smartFormsError = String(error);
      },
    );
  }, [questionnaire]);
  if (!built) return React.createElement("p", null, "Loading");
  return React.createElement(
    RendererThemeProvider,
    null,
    React.createElement(
      QueryClientProvider,
      { client: queryClient },
      React.createElement("div", { id: "smart-forms-ready" }, React.createElement(BaseRenderer)),
    ),
  );
}

window.renderSmartForm = (questionnaire) => {
  createRoot(document.getElementById("form")).render(React.createElement(Form, { questionnaire }));
};
window.smartFormResponse = () => getResponse();
